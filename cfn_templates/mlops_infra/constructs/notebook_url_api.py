"""The notebook URL API: IAM-authorized REST API, the caller's own notebook only."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from mlops_infra.constructs.personas import NOTEBOOK_URL_STAGE, persona_name
from mlops_infra.constructs.platform_function import PlatformFunction
from mlops_infra.nag import suppress

STAGE = NOTEBOOK_URL_STAGE


class NotebookUrlApi(Construct):
    """``GET /notebooks/url`` (a URL that can still be opened: the stored one while it is fresh, else a new one) and
    ``POST /notebooks/url`` (a new URL), SigV4 callers only."""

    def __init__(self, scope: Construct, id_: str, *, project: str, table: dynamodb.ITable, key: kms.IKey,
                 url_parameter_prefix: str, analysts: iam.IGroup, session_seconds: int) -> None:
        super().__init__(scope, id_)
        partition, region, account = cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID
        self.handler = PlatformFunction(self, "Handler", project=project, name="notebook-url-api", handler_module="notebook_url_api",
                                        description="Issues and reads presigned URLs for the caller's own notebook",
                                        # sessions of the environment's analyst persona count as their user (its trust binds the name)
                                        environment={"TABLE_NAME": table.table_name, "KMS_KEY_ID": key.key_arn,
                                                     "ANALYST_ROLE_NAME": persona_name(project, "analyst"),
                                                     "SESSION_SECONDS": str(session_seconds)})
        role = self.handler.role
        role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[table.table_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["ssm:GetParameter", "ssm:PutParameter", "ssm:AddTagsToResource"],
                                               resources=[f"arn:{partition}:ssm:{region}:{account}:parameter{url_parameter_prefix}*"]))
        role.add_to_policy(iam.PolicyStatement(actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources=[key.key_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["sagemaker:CreatePresignedNotebookInstanceUrl"],
                                               resources=[f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"]))
        suppress(role, "AwsSolutions-IAM5", "Any analyst's notebook and URL parameter; the handler picks the caller's own by identity",
                 applies_to=[f"Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter{url_parameter_prefix}*",
                             "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook"])

        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.api = apigateway.RestApi(
            self, "Api", rest_api_name=f"{project}-notebook-url",
            description="Presigned URLs for the caller's own notebook (IAM authorization)",
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE, tracing_enabled=True,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True, http_method=True, ip=True, protocol=True, request_time=True, resource_path=True,
                    response_length=True, status=True, user=True)),
            default_method_options=apigateway.MethodOptions(authorization_type=apigateway.AuthorizationType.IAM),
        )
        validator = self.api.add_request_validator("Validator", validate_request_parameters=True, validate_request_body=True)
        url = self.api.root.add_resource("notebooks").add_resource("url")
        integration = apigateway.LambdaIntegration(self.handler.function, proxy=True)
        for method in ("GET", "POST"):
            url.add_method(method, integration, request_validator=validator)
        analysts.add_to_principal_policy(iam.PolicyStatement(
            sid="CallNotebookUrlApi", actions=["execute-api:Invoke"],
            resources=[self.api.arn_for_execute_api(method, "/notebooks/url", STAGE) for method in ("GET", "POST")]))
        suppress(self.api, "AwsSolutions-APIG3", "IAM (SigV4) authorization admits only the account's analysts; WAF adds no identity control here")
        suppress(self.api, "AwsSolutions-APIG6", "Access logs (through the account's API Gateway CloudWatch role, "
                                                 "ApiGatewayAccount) and X-Ray are on; execution logs would record request bodies")
        suppress(self.api, "AwsSolutions-COG4", "Callers authenticate with SigV4 (IAM), not Cognito")
