"""Builds the CDK app; ``python -m mlops_infra.app [outdir]`` synthesizes it (no AWS calls, no npm CLI)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk

from mlops_infra.nag import enable_checks
from mlops_infra.stacks.ml_environment import MlEnvironmentStack
from mlops_infra.stacks.target_account import TargetAccountStack
from mlops_infra.stacks.tooling import ToolingStack
from mlops_runtime.config import PlatformConfig

#: CDK feature flags the app opts into (what ``cdk init`` would write to cdk.json).
FEATURE_FLAGS = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-kms:aliasNameRef": True,
    "@aws-cdk/core:enablePartitionLiterals": True,
}


def synthesizer(config: PlatformConfig) -> cdk.DefaultStackSynthesizer:
    """Asset bucket owned by the platform (created by ``mlops deploy``), no bootstrap version check."""
    return cdk.DefaultStackSynthesizer(
        generate_bootstrap_version_rule=False,
        file_assets_bucket_name=config.asset_bucket_name("${AWS::AccountId}", "${AWS::Region}"),
    )


def build_app(config: PlatformConfig | None = None, outdir: str | None = None, nag: bool = True) -> cdk.App:
    """The platform's stacks in one app, tagged, with AwsSolutions checks on."""
    config = config or PlatformConfig()
    app = cdk.App(outdir=outdir, analytics_reporting=False, context=FEATURE_FLAGS)
    ToolingStack(app, "Tooling", config=config, stack_name=config.tooling_stack_name, synthesizer=synthesizer(config),
                 description=f"{config.project} platform: artifacts, environments, StackSet administration")
    TargetAccountStack(app, "TargetAccount", config=config, stack_name=config.target_stack_name, synthesizer=synthesizer(config),
                       description=f"{config.project} platform: what staging and prod accounts need")
    if config.network_cidr:
        MlEnvironmentStack(app, "MlEnvironment", config=config, stack_name=config.ml_environment_stack_name, synthesizer=synthesizer(config),
                     description=f"{config.project} platform: secure ML environment (private network, data stores, personas)")
    for key, value in config.tags.items():
        cdk.Tags.of(app).add(key, value)
    if nag:
        enable_checks(app)
    return app


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    build_app(outdir=args[0] if args else "cdk.out").synth()


if __name__ == "__main__":
    main()
