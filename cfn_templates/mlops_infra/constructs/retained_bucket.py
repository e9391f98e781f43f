"""A private bucket that keeps objects for a retention period: TLS only, versioned, access-logged, expiring."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct


def retained_bucket(scope: Construct, id_: str, *, bucket_name: str, access_logs: s3.IBucket, log_prefix: str,
                    retention_days: int, removal_policy: cdk.RemovalPolicy) -> s3.Bucket:
    """Objects expire after ``retention_days``, replaced versions after 7 days; access logs under ``log_prefix``."""
    return s3.Bucket(
        scope, id_, bucket_name=bucket_name,
        encryption=s3.BucketEncryption.S3_MANAGED, block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
        versioned=True, server_access_logs_bucket=access_logs, server_access_logs_prefix=log_prefix,
        lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(retention_days),
                                          noncurrent_version_expiration=cdk.Duration.days(7))],
        removal_policy=removal_policy, auto_delete_objects=False,
    )
