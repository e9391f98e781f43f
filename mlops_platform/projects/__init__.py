"""SageMaker projects from the platform's template: create, list, delete (with everything their pipelines made)."""
