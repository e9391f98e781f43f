"""The data and model stores of the private ML network: reachable only through its S3 endpoint, with a break-glass role.

    <platform>-ml-data-<account>-<region>     (key alias/<platform>-ml-data)
    <platform>-ml-models-<account>-<region>   (key alias/<platform>-ml-models)

Each bucket has its own rotating KMS key, blocks public access, refuses plain HTTP and any object or
listing request that does not arrive through the network's S3 gateway endpoint (``aws:SourceVpce``).
The one exception is ``<platform>-data-break-glass``: assumable by the account's administrators with
MFA only, for an hour, it is what an operator uses to reach the data from outside the network
(incident, migration, ``mlops destroy`` of stores holding objects). Bucket management (policy,
encryption, deletion) is not fenced, so CloudFormation can still update and delete the stores.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mlops_infra.constructs.personas import people_with_mfa
from mlops_infra.nag import logical_id, suppress

#: What the endpoint fence denies from outside the network: every object and listing request.
DATA_ACTIONS = ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:ListBucket*", "s3:ListMultipartUploadParts",
                "s3:AbortMultipartUpload", "s3:RestoreObject", "s3:ReplicateObject"]
BREAK_GLASS_SESSION = cdk.Duration.hours(1)


def break_glass_name(platform: str) -> str:
    return f"{platform}-data-break-glass"


class SecureDataStores(Construct):
    """Data and model buckets fenced to ``endpoint_ids``, their keys, their access-log bucket and the break-glass role."""

    def __init__(self, scope: Construct, id_: str, *, project: str, endpoint_ids: Sequence[str], removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        account, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.REGION
        self.break_glass = iam.Role(
            self, "BreakGlass", role_name=break_glass_name(project), max_session_duration=BREAK_GLASS_SESSION,
            assumed_by=people_with_mfa(),
            description="Break-glass access to the ML data and model stores from outside the private network (MFA, 1 hour)")
        self.access_logs = s3.Bucket(
            self, "AccessLogs", bucket_name=f"{project}-ml-store-logs-{account}-{region}", encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True, removal_policy=removal_policy,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))])
        suppress(self.access_logs, "AwsSolutions-S1", "This bucket is the stores' access-log destination; logging it to itself would loop")
        self.keys: dict[str, kms.Key] = {}
        self.buckets: dict[str, s3.Bucket] = {}
        for kind, what in (("data", "training and inference data"), ("models", "model artifacts")):
            key = kms.Key(self, f"{kind.title()}Key", alias=f"alias/{project}-ml-{kind}", enable_key_rotation=True,
                          description=f"{project}: encrypts the {what} store", removal_policy=removal_policy)
            bucket = s3.Bucket(
                self, f"{kind.title()}Bucket", bucket_name=f"{project}-ml-{kind}-{account}-{region}",
                encryption=s3.BucketEncryption.KMS, encryption_key=key, bucket_key_enabled=True, versioned=True,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True, server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{kind}/", removal_policy=removal_policy)
            bucket.add_to_resource_policy(iam.PolicyStatement(
                sid="DenyOutsideTheNetwork", effect=iam.Effect.DENY, principals=[iam.AnyPrincipal()], actions=DATA_ACTIONS,
                resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
                conditions={"StringNotEquals": {"aws:SourceVpce": list(endpoint_ids)},
                            "ArnNotEquals": {"aws:PrincipalArn": self.break_glass.role_arn}}))
            bucket.grant_read_write(self.break_glass)
            self.keys[kind], self.buckets[kind] = key, bucket
        suppress(self.break_glass, "AwsSolutions-IAM5", "Break-glass reads and writes every object of the two stores (that is its "
                 "purpose); the key actions are those S3 needs for SSE-KMS objects",
                 applies_to=["Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                             "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                             *(f"Resource::<{logical_id(b)}.Arn>/*" for b in self.buckets.values())])
