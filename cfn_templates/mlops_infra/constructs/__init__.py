"""Constructs of the platform, one per module."""
