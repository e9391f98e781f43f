"""Packaging: generated, checked-in artifacts (seed repositories) built from the project's own sources."""
