"""Encrypted store for pipeline artifacts and model packages."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mlops_infra.nag import suppress


class ArtifactStore(Construct):
    """A rotating KMS key, a versioned TLS-only artifacts bucket encrypted with it, and its access-log bucket."""

    def __init__(self, scope: Construct, id_: str, *, project: str, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{project}-artifacts",
            description=f"{project}: encrypts model artifacts, pipeline artifacts and environment records",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=f"{project}-access-logs-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logging cannot write to SSE-KMS buckets
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=removal_policy,
        )
        suppress(self.access_logs, "AwsSolutions-S1", "This bucket is the access-log destination; logging it to itself would loop")
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=f"{project}-artifacts-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="artifacts/",
            removal_policy=removal_policy,
        )
