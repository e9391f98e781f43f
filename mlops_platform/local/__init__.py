"""Running the embedded AWS for the CLI: its state file and its background process."""
