"""Names every project resource is derived from, and the seeding of a new project's repositories."""
