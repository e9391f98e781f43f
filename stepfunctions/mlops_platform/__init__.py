"""Runtime of the MLOps platform: services over injected AWS clients, Lambda handlers and the ``mlops`` CLI.

Never imports ``aws_cdk`` at module level (the CDK app lives in ``mlops_infra``).
"""

__version__ = "0.1.0"
