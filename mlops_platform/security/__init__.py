"""Security checks the platform runs offline: IAM policy evaluation for its guardrails and account setup."""
