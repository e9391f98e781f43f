"""Model build: preprocess → train → evaluate → quality gate → register (PendingManualApproval)."""
