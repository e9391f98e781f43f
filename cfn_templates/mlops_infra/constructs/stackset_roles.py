"""The self-managed StackSet roles: administration in tooling, execution in each target account."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from mlops_infra.nag import suppress


def _arn(service: str, resource: str, region: str = Aws.REGION) -> str:
    """ARN in this stack's partition and account."""
    return f"arn:{Aws.PARTITION}:{service}:{region}:{Aws.ACCOUNT_ID}:{resource}"


class StackSetAdministrationRole(Construct):
    """Role CloudFormation uses in the tooling account to reach the execution role of each target account."""

    def __init__(self, scope: Construct, id_: str, *, role_name: str, execution_role_name: str, target_account_ids: Sequence[str]) -> None:
        super().__init__(scope, id_)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            description="StackSet administration role: assumes the execution role in staging and prod only",
            inline_policies={
                "AssumeTargetExecutionRoles": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["sts:AssumeRole"],
                            resources=[f"arn:{Aws.PARTITION}:iam::{account}:role/{execution_role_name}" for account in target_account_ids],
                        )
                    ]
                )
            },
        )


class StackSetExecutionRole(Construct):
    """Role a target account lends to the tooling account's StackSets to deploy model endpoints.

    Scoped to stacks, SageMaker resources, alarms and roles whose names start with the project prefix.
    """

    def __init__(self, scope: Construct, id_: str, *, role_name: str, project: str, administration_role_arn: str) -> None:
        super().__init__(scope, id_)
        statements = [
            iam.PolicyStatement(
                sid="ManageProjectStackSetInstances",
                actions=[
                    "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                    "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents", "cloudformation:GetTemplate",
                    "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DescribeChangeSet",
                    "cloudformation:DeleteChangeSet", "cloudformation:TagResource",
                ],
                resources=[_arn("cloudformation", f"stack/StackSet-{project}-*/*", region="*")],
            ),
            iam.PolicyStatement(
                sid="ManageProjectEndpoints",
                actions=[
                    "sagemaker:CreateModel", "sagemaker:DeleteModel", "sagemaker:DescribeModel",
                    "sagemaker:CreateEndpointConfig", "sagemaker:DeleteEndpointConfig", "sagemaker:DescribeEndpointConfig",
                    "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint",
                    "sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags",
                ],
                resources=[
                    _arn("sagemaker", f"model/{project}-*"),
                    _arn("sagemaker", f"endpoint-config/{project}-*"),
                    _arn("sagemaker", f"endpoint/{project}-*"),
                ],
            ),
            iam.PolicyStatement(
                sid="ManageProjectAlarms",
                actions=["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource"],
                resources=[_arn("cloudwatch", f"alarm:{project}-*")],
            ),
            iam.PolicyStatement(
                sid="ManageProjectEndpointRoles",
                actions=["iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:PutRolePolicy",
                         "iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole"],
                resources=[f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{project}-*-endpoint"],
            ),
            iam.PolicyStatement(
                # CloudFormation resolves the endpoint template's SSM-typed network parameters as this role
                sid="ReadNetworkParameters",
                actions=["ssm:GetParameters"],
                resources=[_arn("ssm", f"parameter/{project}/ml-environment/*")],
            ),
            iam.PolicyStatement(
                sid="PassProjectModelRoles",
                actions=["iam:PassRole"],
                resources=[f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{project}-*-endpoint"],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
        ]
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ArnPrincipal(administration_role_arn),
            description="StackSet execution role: deploys this project's endpoints, alarms and stacks only",
            inline_policies={"DeployProjectEndpoints": iam.PolicyDocument(statements=statements)},
        )
        suppress(
            self.role,
            "AwsSolutions-IAM5",
            "Wildcards are name-prefix patterns: stacks StackSet-<project>-*, SageMaker <project>-* resources, "
            "<project>-* alarms and <project>-<stage>-endpoint roles in this account, and the network parameters under "
            "/<project>/ml-environment/ the endpoint template resolves; endpoint names are chosen per model version",
            applies_to=[
                f"Resource::arn:<AWS::Partition>:cloudformation:*:<AWS::AccountId>:stack/StackSet-{project}-*/*",
                *(f"Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:{kind}/{project}-*"
                  for kind in ("model", "endpoint-config", "endpoint")),
                f"Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:{project}-*",
                f"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/{project}-*-endpoint",
                f"Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/{project}/ml-environment/*",
            ],
        )
