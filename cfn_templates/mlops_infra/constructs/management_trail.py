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

from mlops_infra.constructs.retained_bucket import retained_bucket


class ManagementTrail(Construct):
    """Trail ``<project>-management`` (this region, write events) to bucket ``<project>-trail-<account>-<region>``."""

    def __init__(self, scope: Construct, id_: str, *, project: str, access_logs: s3.IBucket, retention_days: int,
                 removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        self.bucket = retained_bucket(
            self, "Bucket", bucket_name=f"{project}-trail-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
            access_logs=access_logs, log_prefix="trail/", retention_days=retention_days, removal_policy=removal_policy)
        self.trail = cloudtrail.Trail(
            self, "Trail", trail_name=f"{project}-management", bucket=self.bucket, is_multi_region_trail=False,
            include_global_service_events=False, management_events=cloudtrail.ReadWriteType.WRITE_ONLY,
            enable_file_validation=True, send_to_cloud_watch_logs=False)
