"""aws-sdk task errors carry the names Step Functions gives them, so Retry and Catch lists are tested against them.

Step Functions names an aws-sdk integration's error ``<Service>.<Error>Exception``, the service in PascalCase as in
its documentation (``SageMaker``, ``ServiceCatalog``, ``Ssm``). An error the service's API does not model (throttling
in SageMaker, access denied in SSM) carries the SDK's base exception for the service instead, e.g.
``SageMaker.AmazonSageMakerException``. moto 5.2.5 knows the PascalCase name of two services only and names every
unmodelled error ``<service>.<service>Exception`` (``ssm.ssmException``), names no retry list would ever contain.
"""

from __future__ import annotations

from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_aws_sdk as aws_sdk

from embedded_aws.extensions.base import Extension, Patcher

#: aws-sdk service name → (Step Functions' service name, the SDK's base exception for errors the API does not model)
SERVICES: dict[str, tuple[str, str]] = {
    "sagemaker": ("SageMaker", "AmazonSageMakerException"),
    "servicecatalog": ("ServiceCatalog", "AWSServiceCatalogException"),
    "ssm": ("Ssm", "AWSSimpleSystemsManagementException"),
    "dynamodb": ("DynamoDb", "AmazonDynamoDBException"),
    "sfn": ("Sfn", "AWSStepFunctionsException"),
    "lambda": ("Lambda", "AWSLambdaException"),
    "s3": ("S3", "AmazonS3Exception"),
    "iam": ("Iam", "AmazonIdentityManagementException"),
    "sts": ("Sts", "AWSSecurityTokenServiceException"),
    "eventbridge": ("EventBridge", "AmazonEventBridgeException"),
    "cloudformation": ("CloudFormation", "AmazonCloudFormationException"),
    "codepipeline": ("CodePipeline", "AWSCodePipelineException"),
    "codebuild": ("CodeBuild", "AWSCodeBuildException"),
}


def service_error_name(service: str) -> str:
    """Step Functions' name for ``service`` in error names (the service itself when not in :data:`SERVICES`)."""
    return SERVICES.get(service.lower(), (service[:1].upper() + service[1:], ""))[0]


def exception_name(service_name: str, exception: Exception) -> str:
    """The error name of ``exception`` raised by the service Step Functions calls ``service_name``."""
    name = type(exception).__name__
    if name == "ClientError":  # an error the API does not model: the SDK's base exception for the service
        base = next((b for n, b in SERVICES.values() if n == service_name and b), f"{service_name}Exception")
        return f"{service_name}.{base}"
    return f"{service_name}.{name}" if name.endswith("Exception") else f"{service_name}.{name}Exception"


class SdkErrorNames(Extension):
    name = "sfn-sdk-error-names"
    summary = "aws-sdk task errors are named as Step Functions names them (SageMaker.AmazonSageMakerException, Ssm.ParameterNotFoundException)"

    def install(self, patcher: Patcher) -> None:
        def normalise_service(service_name: str) -> str:
            return service_error_name(service_name)

        def normalise_exception(norm_service_name: str, ex: Exception) -> str:
            return exception_name(norm_service_name, ex)

        cls: Any = aws_sdk.StateTaskServiceAwsSdk
        patcher.replace(cls, "_normalise_service_error_name", staticmethod(normalise_service))
        patcher.replace(cls, "_normalise_exception_name", staticmethod(normalise_exception))
