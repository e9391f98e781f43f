"""A trail of management write events: EventBridge receives CloudTrail's API call events only from a logging trail.

The platform reads one of them — Service Catalog's ``ProvisionProduct`` — to adopt notebooks launched from the
console. An account that already has a trail logging management write events in this region (an organization
trail counts) sets ``PlatformConfig.management_trail`` to false.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_s3 as s3
from constructs import Construct


class ManagementTrail(Construct):
    """Trail ``<project>-management`` (this region, write events) to bucket ``<project>-trail-<account>-<region>``."""

    def __init__(self, scope: Construct, id_: str, *, project: str, access_logs: s3.IBucket, retention_days: int,
                 removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        self.bucket = s3.Bucket(
            self, "Bucket", bucket_name=f"{project}-trail-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
            encryption=s3.BucketEncryption.S3_MANAGED, block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            versioned=True, server_access_logs_bucket=access_logs, server_access_logs_prefix="trail/",
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(retention_days),
                                              noncurrent_version_expiration=cdk.Duration.days(7))],
            removal_policy=removal_policy, auto_delete_objects=False,
        )
        self.trail = cloudtrail.Trail(
            self, "Trail", trail_name=f"{project}-management", bucket=self.bucket, is_multi_region_trail=False,
            include_global_service_events=False, management_events=cloudtrail.ReadWriteType.WRITE_ONLY,
            enable_file_validation=True, send_to_cloud_watch_logs=False)
