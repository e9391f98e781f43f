"""Deploying synthesized stacks with the CloudFormation API: the same path for embedded and real AWS."""
