"""The tooling (dev) account's platform stack."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from mlops_infra.config import PlatformConfig
from mlops_infra.constructs.artifact_store import ArtifactStore
from mlops_infra.constructs.environment_table import EnvironmentTable
from mlops_infra.constructs.stackset_roles import StackSetAdministrationRole

ACCOUNT_ID_PATTERN = r"^\d{12}$"


class ToolingStack(cdk.Stack):
    """Artifact store, environment table and StackSet administration role."""

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig, **kwargs: object) -> None:
        super().__init__(scope, id_, **kwargs)  # type: ignore[arg-type]
        staging = cdk.CfnParameter(self, "StagingAccountId", allowed_pattern=ACCOUNT_ID_PATTERN,
                                   description="Account that receives models before production")
        prod = cdk.CfnParameter(self, "ProdAccountId", allowed_pattern=ACCOUNT_ID_PATTERN,
                                description="Production account")
        removal = cdk.RemovalPolicy.RETAIN if config.retain_data else cdk.RemovalPolicy.DESTROY

        store = ArtifactStore(self, "Artifacts", project=config.project, removal_policy=removal)
        environments = EnvironmentTable(self, "Environments", table_name=f"{config.project}-environments",
                                        key=store.key, removal_policy=removal)
        administration = StackSetAdministrationRole(
            self, "StackSetAdministration",
            role_name=config.stackset_administration_role_name,
            execution_role_name=config.stackset_execution_role_name,
            target_account_ids=[staging.value_as_string, prod.value_as_string],
        )

        cdk.CfnOutput(self, "ArtifactsBucketName", value=store.bucket.bucket_name)
        cdk.CfnOutput(self, "ArtifactsKeyArn", value=store.key.key_arn)
        cdk.CfnOutput(self, "EnvironmentTableName", value=environments.table.table_name)
        cdk.CfnOutput(self, "StackSetAdministrationRoleArn", value=administration.role.role_arn)
