"""What runs inside AWS: Lambda handlers, the services they call and the contracts shared with the deployer.

The whole package is the platform functions' code asset. It imports only the standard library, boto3, Powertools and
PyJWT — never the operator package (``mlops_platform``), the CDK app (``mlops_infra``) or the embedded AWS.
"""
