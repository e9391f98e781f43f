"""Model build: pushing the model-build repository, rendering and upserting its pipeline, reading the registry."""
