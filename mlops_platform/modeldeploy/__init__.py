"""Model deploy: guardrail configuration, its validation against SageMaker's limits, and its dry run."""
