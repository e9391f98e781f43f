"""The MLOps project template: what one SageMaker project gets when a data scientist picks it in Studio.

    SageMakerProjectName/Id, StagingAccountId + ProdAccountId (or Staging/ProdOrganizationalUnitId)
        ▶ artifacts bucket + key ▶ model build (source ▶ CodeBuild ▶ SageMaker pipeline, model group)
        ▶ model deploy (approval rule ▶ build ▶ staging StackSet ▶ verify ▶ approval ▶ prod StackSet ▶ verify)

Every physical name starts with ``<platform>-<project name>``, so the platform's stack-set execution
and verifier roles in staging and prod (scoped to ``<platform>-*``) serve every project, and the
project's stack sets go through the platform's administration role.

The two repositories start with the platform's seed code, whether the project was launched from Studio
or the CLI, and each pipeline's first execution (CodePipeline starts one when it creates a pipeline)
builds it: with ``repository_source="codecommit"`` the CodeCommit repositories ``<prefix>-modelbuild`` and
``<prefix>-modeldeploy`` are created holding the seed zips (``Code``), and ``git push`` to them starts the
pipelines; with S3 sources ``Custom::ProjectSeed`` (the platform's ``<platform>-project-seed`` function)
copies the zips into the source buckets before the pipelines are created.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from mlops_infra.constructs.artifact_store import ArtifactStore
from mlops_infra.constructs.code_repository import SeedCode
from mlops_infra.constructs.model_build import SOURCE_KEY as BUILD_SOURCE_KEY
from mlops_infra.constructs.model_build import ModelBuild
from mlops_infra.constructs.model_deploy import SOURCE_KEY as DEPLOY_SOURCE_KEY
from mlops_infra.constructs.model_deploy import DeployStage, ModelDeploy
from mlops_infra.constructs.project_seeder import seeder_name
from mlops_runtime.config import PlatformConfig
from mlops_runtime.projects.names import max_project_name_length, project_name_pattern, project_prefix

ACCOUNT_ID_PATTERN = r"^\d{12}$"
UNIT_ID_PATTERN = r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$"
#: What a template's two stages deploy to: one account each, or every member account of one unit each.
TARGET_KINDS = ("accounts", "units")
PROJECT_ID_PATTERN = r"^p-[a-z0-9]{12}$"


class ProjectTemplate(servicecatalog.ProductStack):
    """The product's template (a CDK product stack): one project's build and deploy, parameterized.

    ``targets="units"`` takes organizational units instead of accounts: each stage's service-managed
    stack set deploys to every member account of its unit (the management or delegated-administrator
    account launches it; the target-account stack must be in each member account).
    """

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig, seeds: dict[str, SeedCode], targets: str = "accounts") -> None:
        super().__init__(scope, id_)
        if targets not in TARGET_KINDS:
            raise ValueError(f"targets must be one of {TARGET_KINDS}, got {targets!r}")
        in_codecommit = config.repository_source == "codecommit"
        # SageMaker allows 32 characters; the project's bucket names (S3: 63) must fit after the platform prefix in every region
        longest = max_project_name_length(config.project)
        name = cdk.CfnParameter(self, "SageMakerProjectName", allowed_pattern=project_name_pattern(config.project),
                                constraint_description=f"2-{longest} lowercase letters, digits or '-', starting with a letter",
                                description="Project name (SageMaker passes it)")
        project_id = cdk.CfnParameter(self, "SageMakerProjectId", allowed_pattern=PROJECT_ID_PATTERN,
                                      description="Project id (SageMaker passes it)")
        stage_targets = {stage: self._target_parameter(stage, targets) for stage in ("staging", "prod")}
        prefix = project_prefix(config.project, name.value_as_string)
        removal = cdk.RemovalPolicy.DESTROY  # a project's delete removes its data; the registry keeps nothing outside it
        store = ArtifactStore(self, "Artifacts", project=prefix, removal_policy=removal)
        group = f"{prefix}-models"
        build = ModelBuild(self, "ModelBuild", project=prefix, bucket=store.bucket, key=store.key, access_logs=store.access_logs,
                           model_package_group_name=group, removal_policy=removal, use_codecommit=in_codecommit,
                           branch=config.modelbuild_branch, seed=seeds["ModelBuild"] if in_codecommit else None)
        partition, account = cdk.Aws.PARTITION, cdk.Aws.ACCOUNT_ID
        deploy = ModelDeploy(
            self, "ModelDeploy", project=prefix, bucket=store.bucket, key=store.key, access_logs=store.access_logs,
            model_package_group_name=group,
            stages=[DeployStage.in_unit(stage, target, f"{prefix}-{stage}") if targets == "units"
                    else DeployStage(stage, target, f"{prefix}-{stage}") for stage, target in stage_targets.items()],
            administration_role_arn=f"arn:{partition}:iam::{account}:role/{config.stackset_administration_role_name}",
            execution_role_name=config.stackset_execution_role_name, verifier_role_name=config.deploy_verifier_role_name,
            verify_role_name=config.modeldeploy_verify_role_name, platform=config.project, shared_verify_role=True, removal_policy=removal,
            use_codecommit=in_codecommit, branch=config.modelbuild_branch, seed=seeds["ModelDeploy"] if in_codecommit else None)
        if build.source is not None and deploy.source is not None:
            # seeded before the pipelines exist: their first execution builds the seed, and no push rule sees the copy
            seed = self._seed(config.project, store, build.source.bucket.bucket_name, deploy.source.bucket.bucket_name)
            for pipeline in (build.pipeline, deploy.pipeline):
                pipeline.node.add_dependency(seed)
        cdk.Tags.of(self).add("sagemaker:project-name", name.value_as_string)
        cdk.Tags.of(self).add("sagemaker:project-id", project_id.value_as_string)

        outputs = {
            "ArtifactsBucketName": store.bucket.bucket_name, "ModelPackageGroupName": group,
            "SageMakerPipelineName": build.pipeline_name, "SageMakerPipelineRoleArn": build.pipeline_role.role_arn,
            "ModelBuildPipelineName": build.pipeline.pipeline_name, "ModelDeployPipelineName": deploy.pipeline.pipeline_name,
            "StagingStackSetName": f"{prefix}-staging", "ProdStackSetName": f"{prefix}-prod",
        }
        for kind, source, code, source_key in (("ModelBuild", build.source, build.code_repository, BUILD_SOURCE_KEY),
                                               ("ModelDeploy", deploy.source, deploy.code_repository, DEPLOY_SOURCE_KEY)):
            if code is not None:
                outputs.update({f"{kind}RepositoryName": code.name, f"{kind}RepositoryCloneUrl": code.clone_url})
            if source is not None:
                outputs.update({f"{kind}SourceBucketName": source.bucket.bucket_name, f"{kind}SourceKey": source_key})
        for key, value in outputs.items():
            cdk.CfnOutput(self, key, value=value)

    def _target_parameter(self, stage: str, targets: str) -> str:
        """The stage's account id or organizational unit id parameter."""
        title = stage.title()
        if targets == "units":
            return cdk.CfnParameter(
                self, f"{title}OrganizationalUnitId", allowed_pattern=UNIT_ID_PATTERN, constraint_description="an id like ou-ab12-cd34ef56",
                description=f"Organizational unit whose member accounts are {stage} (each prepared with the target-account stack)",
            ).value_as_string
        return cdk.CfnParameter(self, f"{title}AccountId", allowed_pattern=ACCOUNT_ID_PATTERN,
                                description=f"{title} account (prepared with the platform's target-account stack)").value_as_string

    def _seed(self, platform: str, store: ArtifactStore, build_bucket: str, deploy_bucket: str) -> cdk.CustomResource:
        """``Custom::ProjectSeed``: the platform's seeder copies the seed repositories in (after the pipelines and their
        triggers exist, so each copy starts its pipeline); the project's key admits the seeder's role through S3 only."""
        partition, region, account = cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID
        store.key.add_to_resource_policy(iam.PolicyStatement(
            sid="SeedSources", principals=[iam.ArnPrincipal(f"arn:{partition}:iam::{account}:role/{seeder_name(platform)}")],
            actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=["*"],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}))
        seed = cdk.CustomResource(
            self, "Seed", resource_type="Custom::ProjectSeed",
            service_token=f"arn:{partition}:lambda:{region}:{account}:function:{seeder_name(platform)}",
            properties={"ModelBuildSourceBucket": build_bucket, "ModelBuildSourceKey": BUILD_SOURCE_KEY,
                        "ModelDeploySourceBucket": deploy_bucket, "ModelDeploySourceKey": DEPLOY_SOURCE_KEY})
        seed.node.add_dependency(store.key)  # the key policy admits the seeder
        return seed
