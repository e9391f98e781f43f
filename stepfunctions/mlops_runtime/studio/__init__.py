"""Secure Studio access: tokens verified, callers mapped to their own user profile, short-lived presigned URLs."""
