"""The operator's side of the MLOps platform: the ``mlops`` CLI and the services it runs from a laptop or CodeBuild.

Deploys the CDK app (``mlops_infra``), runs the embedded AWS, drives model build and deploy. What runs inside AWS
lives in ``mlops_runtime``; this package imports it, never the other way round. Never imports ``aws_cdk`` at module
level.
"""

__version__ = "0.1.0"
