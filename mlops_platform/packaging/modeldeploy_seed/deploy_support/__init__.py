"""Helpers of the model-deploy repository (guardrails and registry modules come from the platform)."""
