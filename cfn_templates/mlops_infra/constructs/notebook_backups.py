"""Where notebooks back up their work: a private bucket with retention, and what notebooks may do."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mlops_infra.constructs.retained_bucket import retained_bucket
from mlops_infra.nag import logical_id, suppress


class NotebookBackups(Construct):
    """Bucket ``<project>-notebook-backups-<account>-<region>`` (TLS-only, versioned, expiring) and the notebook role's rights."""

    def __init__(self, scope: Construct, id_: str, *, project: str, access_logs: s3.IBucket, notebook_role: iam.IRole,
                 retention_days: int, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        partition, region, account = cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID
        self.bucket = retained_bucket(
            self, "Bucket", bucket_name=f"{project}-notebook-backups-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
            access_logs=access_logs, log_prefix="notebook-backups/", retention_days=retention_days, removal_policy=removal_policy)
        notebook_arn = f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"
        for statement in (
            # the lifecycle scripts: backup and restore under the instance's own prefix
            iam.PolicyStatement(sid="BackupObjects", actions=["s3:PutObject", "s3:GetObject"], resources=[self.bucket.arn_for_objects("*")]),
            iam.PolicyStatement(sid="BackupListing", actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn]),
            # idle auto-stop and tag lookups on the notebook itself
            iam.PolicyStatement(sid="SelfManagement", actions=["sagemaker:StopNotebookInstance", "sagemaker:DescribeNotebookInstance",
                                                               "sagemaker:ListTags"], resources=[notebook_arn]),
            iam.PolicyStatement(sid="BackupCompletedEvent", actions=["events:PutEvents"],
                                resources=[f"arn:{partition}:events:{region}:{account}:event-bus/default"],
                                conditions={"StringEquals": {"events:source": "mlops.notebooks"}}),
        ):
            notebook_role.add_to_principal_policy(statement)
        bucket_id = logical_id(self.bucket)
        suppress(notebook_role, "AwsSolutions-IAM5", "Each notebook writes snapshots named <instance>_<timestamp>/ and manages itself "
                                                     "(<user>-Notebook); names are only known at run time",
                 applies_to=[f"Resource::<{bucket_id}.Arn>/*",
                             "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook"])
