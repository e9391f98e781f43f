"""Clients for the three accounts, whichever target (embedded or real AWS) they point at."""
