"""Self-service notebooks: requests, environment records, status events, URLs."""
