"""IAM as the embedded AWS enforces it: the policy evaluator, the request → action/resource table, the callers."""
