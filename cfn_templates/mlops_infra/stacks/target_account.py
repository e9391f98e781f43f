"""The stack every target account (staging, prod) gets once, before models are deployed there."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from mlops_infra.constructs.deploy_verifier_role import DeployVerifierRole
from mlops_infra.constructs.model_deploy import network_parameters_path
from mlops_infra.constructs.network_placement import export_name
from mlops_infra.constructs.personas import persona_name
from mlops_infra.constructs.stackset_roles import StackSetExecutionRole
from mlops_infra.stacks.tooling import ACCOUNT_ID_PATTERN
from mlops_runtime.config import PlatformConfig

#: The value of the network parameters in an account without an ML environment.
NO_NETWORK = "none"


class TargetAccountStack(cdk.Stack):
    """StackSet execution role trusting the tooling account's administration role; read-only role for the deploy's verify step."""

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        tooling = cdk.CfnParameter(self, "ToolingAccountId", allowed_pattern=ACCOUNT_ID_PATTERN,
                                   description="Account that runs the platform and its StackSets")
        execution = StackSetExecutionRole(
            self, "StackSetExecution",
            role_name=config.stackset_execution_role_name,
            project=config.project,
            administration_role_arn=cdk.Fn.sub(
                f"arn:${{AWS::Partition}}:iam::${{ToolingAccountId}}:role/{config.stackset_administration_role_name}"
            ),
        )
        verifier = DeployVerifierRole(
            self, "DeployVerifier", role_name=config.deploy_verifier_role_name, project=config.project,
            verify_role_arn=cdk.Fn.sub(f"arn:${{AWS::Partition}}:iam::${{ToolingAccountId}}:role/{config.modeldeploy_verify_role_name}"),
            tooling_account_id=tooling.value_as_string,
            reader_role_arn=cdk.Fn.sub(f"arn:${{AWS::Partition}}:iam::${{ToolingAccountId}}:role/{persona_name(config.project, 'ds-admin')}"),
        )
        self._network_parameters(config)
        cdk.CfnOutput(self, "StackSetExecutionRoleArn", value=execution.role.role_arn)
        cdk.CfnOutput(self, "DeployVerifierRoleArn", value=verifier.role.role_arn)

    def _network_parameters(self, config: PlatformConfig) -> None:
        """Where the models' endpoints run: the environment's private subnets and workload group, or ``none`` without one
        (the endpoint template reads both through SSM-typed parameters, so one template serves every account)."""
        path = network_parameters_path(config.project)
        placed = {"private-subnet-ids": "PrivateSubnetIds", "workload-security-group-id": "WorkloadSecurityGroupId"}
        for name, output in placed.items():
            value = cdk.Fn.import_value(export_name(config.project, output)) if config.network_cidr else NO_NETWORK
            ssm.StringParameter(self, "".join(part.title() for part in name.split("-")), parameter_name=f"{path}/{name}",
                                string_value=value, description=f"ML network of this account's endpoints: {name} ({NO_NETWORK} outside one)")
