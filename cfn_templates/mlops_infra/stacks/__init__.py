"""Stacks: each composes constructs and declares the parameters that cross accounts."""
