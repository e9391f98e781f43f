"""The seed repositories of new projects, and the function behind the project template's ``Custom::ProjectSeed``.

The two seed repositories (``seed_code/modelbuild``, ``seed_code/modeldeploy``) are file assets of the
tooling stack, zipped and uploaded by ``mlops deploy``. Projects with CodeCommit repositories are created
holding them (``seeds``: the repository's ``Code``). Projects with S3 sources have them copied in by the
function: project stacks find it by its name, ``<platform>-project-seed``, and let its role (same name)
encrypt with their key; the role may write only the two source objects of ``<platform>-*`` projects.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from mlops_infra.assets import seed_root as default_seed_root
from mlops_infra.constructs.code_repository import SeedCode
from mlops_infra.constructs.model_build import SOURCE_KEY as BUILD_SOURCE_KEY
from mlops_infra.constructs.model_deploy import SOURCE_KEY as DEPLOY_SOURCE_KEY
from mlops_infra.constructs.platform_function import PlatformFunction
from mlops_infra.nag import suppress

#: What a repository zip leaves out (the same as ``mlops push``).
SEED_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/*.egg-info", "**/.venv", "build", "dist"]
FUNCTION_NAME = "project-seed"


def seeder_name(platform: str) -> str:
    """Name of the seeding function and of its role."""
    return f"{platform}-{FUNCTION_NAME}"


class ProjectSeeder(Construct):
    """Seed assets and (``with_function``, for S3 sources) the ``<platform>-project-seed`` function that copies them into a
    new project's source buckets."""

    def __init__(self, scope: Construct, id_: str, *, project: str, seed_root: Path | None = None, with_function: bool = True) -> None:
        super().__init__(scope, id_)
        seed_root = seed_root or default_seed_root()
        self.build_seed = s3_assets.Asset(self, "ModelBuildSeed", path=str(seed_root / "modelbuild"), exclude=SEED_EXCLUDES)
        self.deploy_seed = s3_assets.Asset(self, "ModelDeploySeed", path=str(seed_root / "modeldeploy"), exclude=SEED_EXCLUDES)
        self.seeds = {"ModelBuild": SeedCode(self.build_seed.s3_bucket_name, self.build_seed.s3_object_key),
                      "ModelDeploy": SeedCode(self.deploy_seed.s3_bucket_name, self.deploy_seed.s3_object_key)}
        if with_function:
            self._function(project)

    def _function(self, project: str) -> None:
        """The seeding function; its role reads the two seeds and writes only projects' source objects."""
        self.function = PlatformFunction(
            self, "Function", project=project, name=FUNCTION_NAME, handler_module="project_seed", role_name=seeder_name(project),
            description="Custom::ProjectSeed: copies the seed repositories into a new project's empty source buckets",
            timeout_seconds=120,
            environment={"SEED_BUCKET": self.build_seed.s3_bucket_name, "MODELBUILD_SEED_KEY": self.build_seed.s3_object_key,
                         "MODELDEPLOY_SEED_KEY": self.deploy_seed.s3_object_key})
        role = self.function.role
        for seed in (self.build_seed, self.deploy_seed):
            role.add_to_policy(iam.PolicyStatement(sid=f"Read{seed.node.id}", actions=["s3:GetObject"],
                                                   resources=[f"arn:{cdk.Aws.PARTITION}:s3:::{seed.s3_bucket_name}/{seed.s3_object_key}"]))
        sources = [f"arn:{cdk.Aws.PARTITION}:s3:::{project}-*-modelbuild-source-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}/{BUILD_SOURCE_KEY}",
                   f"arn:{cdk.Aws.PARTITION}:s3:::{project}-*-modeldeploy-source-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}/{DEPLOY_SOURCE_KEY}"]
        role.add_to_policy(iam.PolicyStatement(sid="WriteProjectSources", actions=["s3:GetObject", "s3:PutObject"], resources=sources))
        # S3 answers a missing source object with 404 only to a caller who may list the bucket (403 otherwise): the seeder
        # must tell "not seeded yet" from "refused"
        buckets = [source.rsplit("/", 1)[0] for source in sources]
        role.add_to_policy(iam.PolicyStatement(sid="SeeProjectSources", actions=["s3:ListBucket"], resources=buckets))
        suppress(role, "AwsSolutions-IAM5", "Projects are created later, each with its own name: the role may read and write only the "
                                            "two source objects of projects of this platform (the project's key policy admits it), "
                                            "and list their two source buckets",
                 applies_to=[f"Resource::arn:<AWS::Partition>:s3:::{project}-*-modelbuild-source-<AWS::AccountId>-<AWS::Region>/{BUILD_SOURCE_KEY}",
                             f"Resource::arn:<AWS::Partition>:s3:::{project}-*-modeldeploy-source-<AWS::AccountId>-<AWS::Region>/{DEPLOY_SOURCE_KEY}",
                             f"Resource::arn:<AWS::Partition>:s3:::{project}-*-modelbuild-source-<AWS::AccountId>-<AWS::Region>",
                             f"Resource::arn:<AWS::Partition>:s3:::{project}-*-modeldeploy-source-<AWS::AccountId>-<AWS::Region>"])
