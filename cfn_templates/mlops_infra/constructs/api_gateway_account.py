"""The account's API Gateway CloudWatch role: a stage that writes access logs needs it (``AWS::ApiGateway::Account``).

The setting is account-wide and AWS keeps it when the resource is deleted, so the role follows the platform's data
removal policy: retained when data is, so that the account's other APIs keep logging after the platform goes.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct

from mlops_infra.nag import suppress

PUSH_TO_LOGS = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayAccount(Construct):
    """The CloudWatch role API Gateway logs with, set as the account's; stages with access logs depend on it."""

    def __init__(self, scope: Construct, id_: str, *, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                        description="API Gateway's CloudWatch Logs role for this account (access and execution logs)",
                        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(PUSH_TO_LOGS)])
        role.apply_removal_policy(removal_policy)
        suppress(role, "AwsSolutions-IAM4", "AWS's managed policy for the account's API Gateway logging role, which only API "
                 "Gateway assumes; it creates and writes the log groups of every API in the account",
                 applies_to=[f"Policy::arn:<AWS::Partition>:iam::aws:policy/{PUSH_TO_LOGS}"])
        self.account = apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)
        self.account.apply_removal_policy(removal_policy)

    def logs_for(self, api: apigateway.RestApi) -> None:
        """Create ``api``'s stage only once the account can write its logs."""
        api.deployment_stage.node.add_dependency(self.account)
