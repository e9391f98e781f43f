"""CloudFormation applies bucket policies (moto 5.2.5 skips ``AWS::S3::BucketPolicy``).

Without it the TLS-only and access-log delivery statements CDK writes never reach the bucket.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension


class BucketPolicy(ApiResource):
    TYPE = "AWS::S3::BucketPolicy"
    SERVICE = "s3"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        document = properties["PolicyDocument"]
        client.put_bucket_policy(Bucket=properties["Bucket"], Policy=json.dumps(document) if isinstance(document, dict) else document)
        return properties["Bucket"], {}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        bucket = properties.get("Bucket", physical_id)
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError:
            return  # moto may delete the bucket first; its policy went with it
        client.delete_bucket_policy(Bucket=bucket)


class BucketPolicyResource(ResourceTypesExtension):
    name = "cfn-s3-bucket-policy"
    summary = "AWS::S3::BucketPolicy is applied through PutBucketPolicy"
    resource_types = (BucketPolicy,)
