"""Read-only role a target account lends to the deploy pipeline's verify step."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from mlops_infra.nag import suppress


class DeployVerifierRole(Construct):
    """Describe and smoke-test this project's endpoints, read their alarms — nothing else — for the tooling account's verify project
    and the role ``reader_role_arn`` of the tooling account (the DS admin persona)."""

    def __init__(self, scope: Construct, id_: str, *, role_name: str, project: str, verify_role_arn: str, tooling_account_id: str,
                 reader_role_arn: str) -> None:
        super().__init__(scope, id_)
        region_account = f"{Aws.REGION}:{Aws.ACCOUNT_ID}"
        self.role = iam.Role(
            self, "Role", role_name=role_name, assumed_by=iam.ArnPrincipal(verify_role_arn),
            description="Deploy verify step (and the DS admin persona): reads and smoke-tests this project's endpoints, reads their rollback alarms",
            inline_policies={"ReadProjectEndpoints": iam.PolicyDocument(statements=[
                iam.PolicyStatement(sid="CheckProjectEndpoints", actions=["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"],
                                    resources=[f"arn:{Aws.PARTITION}:sagemaker:{region_account}:endpoint/{project}-*"]),
                iam.PolicyStatement(sid="DescribeProjectAlarms", actions=["cloudwatch:DescribeAlarms"],
                                    resources=[f"arn:{Aws.PARTITION}:cloudwatch:{region_account}:alarm:{project}-*"]),
            ])},
        )
        # the DS admin persona reads the stages too (mlops model deployments --target-role <this role>); named by a condition,
        # since a role that may not exist (no ML environment) cannot be a trust policy's principal
        self.role.assume_role_policy.add_statements(iam.PolicyStatement(  # type: ignore[union-attr]
            actions=["sts:AssumeRole"], principals=[iam.AccountPrincipal(tooling_account_id)],
            conditions={"ArnEquals": {"aws:PrincipalArn": reader_role_arn}}))
        suppress(self.role, "AwsSolutions-IAM5", "Describe and smoke-test invocations on this project's <project>-<stage> endpoints and "
                 "<project>-* alarms; names carry the stage and are not known when the account is prepared",
                 applies_to=[f"Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/{project}-*",
                             f"Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:{project}-*"])
