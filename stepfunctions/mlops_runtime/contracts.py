"""Names and patterns the deployer, the CDK app and the functions must agree on (one definition each)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

#: The tooling stack's parameter taking the PyJWT layer (present when the Studio URL API is on).
JWT_LAYER_PARAMETER = "JwtLayerArn"
#: Tooling stack parameter: the IAM user or role given a launch path to the project products (mlops deploy: the deployer).
PLATFORM_ADMIN_PARAMETER = "PlatformAdminArn"
#: The model registry's approval status that releases a version to the deploy pipeline.
MODEL_APPROVED = "Approved"


def approval_event_pattern(model_package_group: str) -> dict[str, Any]:
    """EventBridge pattern: a package of this group became (or was created) ``Approved`` — nothing else.

    The anchors trigger on any state change of the group, so a rejection or a new pending version
    redeploys; this pattern matches approvals only.
    """
    return {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
            "detail": {"ModelPackageGroupName": [model_package_group], "ModelApprovalStatus": [MODEL_APPROVED]}}


@dataclass(frozen=True)
class ToolingOutputs:
    """The tooling stack's outputs by meaning: the CDK app writes them (a test holds the keys to these fields), the CLI
    reads them. The key of a field is its name in CamelCase (``sagemaker`` → ``SageMaker``); the optional ones exist only
    with the option that creates them."""

    artifacts_bucket_name: str
    artifacts_key_arn: str
    environment_table_name: str
    stack_set_administration_role_arn: str
    notebook_provisioning_state_machine_arn: str
    notebook_portfolio_id: str
    notebook_product_id: str
    analysts_group_name: str
    notebook_url_api_id: str
    notebook_url_api_url: str
    model_package_group_name: str
    sagemaker_pipeline_name: str
    sagemaker_pipeline_role_arn: str
    model_build_pipeline_name: str
    model_build_project_name: str
    model_deploy_pipeline_name: str
    staging_stack_set_name: str
    prod_stack_set_name: str
    project_portfolio_id: str
    project_product_id: str
    project_units_product_id: str
    project_template_url: str
    project_units_template_url: str
    #: the notebooks' presigned URL session length (platforms deployed before it: the default, 43200)
    notebook_session_seconds: str | None = None
    #: with the S3 source (not a CodeConnections repository)
    model_build_source_bucket_name: str | None = None
    model_build_source_key: str | None = None
    #: with the CodeCommit source (``PlatformConfig.repository_source``)
    model_build_repository_name: str | None = None
    model_build_repository_clone_url: str | None = None
    #: the model-deploy repository: an S3 source, or (``repository_source="codecommit"``) a CodeCommit repository
    model_deploy_source_bucket_name: str | None = None
    model_deploy_source_key: str | None = None
    model_deploy_repository_name: str | None = None
    model_deploy_repository_clone_url: str | None = None
    #: with CodeCommit repositories: the branch whose pushes start the pipelines
    repository_branch: str | None = None
    #: with ``studio_domain``
    studio_domain_id: str | None = None
    #: with ``studio_token_issuer``
    studio_url_api_id: str | None = None
    studio_profile_table_name: str | None = None
    #: with ``network_cidr`` (the secure ML environment)
    environment_portfolio_id: str | None = None
    environment_product_id: str | None = None

    @staticmethod
    def key(name: str) -> str:
        """The stack output key of field ``name``."""
        return "".join("SageMaker" if part == "sagemaker" else part.capitalize() for part in name.split("_"))

    @classmethod
    def from_stack_outputs(cls, outputs: Mapping[str, str]) -> ToolingOutputs:
        """Read the stack's outputs; a missing required one means a platform older than this code (ValueError)."""
        found = {f.name: outputs[cls.key(f.name)] for f in fields(cls) if cls.key(f.name) in outputs}
        missing = [cls.key(f.name) for f in fields(cls) if f.default is MISSING and f.name not in found]
        if missing:
            raise ValueError(f"the tooling stack has no output {', '.join(missing)}")
        return cls(**found)

    def stack_set_name(self, stage: str) -> str:
        """The model-deploy stack set of ``stage`` (staging or prod)."""
        return {"staging": self.staging_stack_set_name, "prod": self.prod_stack_set_name}[stage]

    def as_dict(self) -> dict[str, str]:
        """Output key → value, for what is present."""
        return {self.key(name): value for name, value in asdict(self).items() if value is not None}
