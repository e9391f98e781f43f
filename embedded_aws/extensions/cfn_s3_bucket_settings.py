"""CloudFormation buckets get their lifecycle rules, versioning and EventBridge notifications, and a bucket that still
holds objects is not deleted.

moto 5.2.5 applies only encryption and tags. Without this, retention rules written in a template
(backup expiry, log expiry) never exist and a bucket that should emit ``Object Created`` events is silent. On delete,
moto quietly keeps a non-empty bucket and reports the resource deleted; CloudFormation fails it (``DELETE_FAILED``:
the bucket is not empty), unless the template retains it.
"""

from __future__ import annotations

from typing import Any

from moto.s3.models import FakeBucket, s3_backends

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import service_client


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation ``LifecycleConfiguration.Rules`` item as the S3 API's rule."""
    api: dict[str, Any] = {"Status": rule.get("Status", "Enabled"), "Filter": {"Prefix": rule.get("Prefix", "")}}
    if rule.get("Id"):
        api["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    noncurrent = rule.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]} if "NoncurrentVersionExpirationInDays" in rule else None)
    if noncurrent:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent["NoncurrentDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    return api


#: What S3 answers when CloudFormation deletes a bucket that still holds objects.
NOT_EMPTY = "The bucket you tried to delete is not empty (Service: S3, Status Code: 409)"


class BucketNotEmpty(Exception):
    def __init__(self) -> None:
        super().__init__(NOT_EMPTY)
        self.message = NOT_EMPTY


class BucketSettings(Extension):
    name = "cfn-s3-bucket-settings"
    summary = ("Buckets created by CloudFormation get their LifecycleConfiguration, VersioningConfiguration and EventBridge "
               "notifications; deleting one that still holds objects fails the resource")

    def install(self, patcher: Patcher) -> None:
        create = FakeBucket.create_from_cloudformation_json

        def create_from_cloudformation_json(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
                                            region_name: str, **kwargs: Any) -> Any:
            bucket = create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
            properties = cloudformation_json.get("Properties") or {}
            s3 = service_client("s3", account_id, region_name)
            if properties.get("VersioningConfiguration"):
                s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": properties["VersioningConfiguration"]["Status"]})
            if str(((properties.get("NotificationConfiguration") or {}).get("EventBridgeConfiguration") or {})
                   .get("EventBridgeEnabled", "false")).lower() == "true":
                s3.put_bucket_notification_configuration(Bucket=bucket.name, NotificationConfiguration={"EventBridgeConfiguration": {}})
            rules = (properties.get("LifecycleConfiguration") or {}).get("Rules")
            if rules:
                s3.put_bucket_lifecycle_configuration(Bucket=bucket.name, LifecycleConfiguration={"Rules": [lifecycle_rule(r) for r in rules]})
            return bucket

        patcher.replace(FakeBucket, "create_from_cloudformation_json", classmethod(create_from_cloudformation_json))
        delete = FakeBucket.delete_from_cloudformation_json

        def delete_from_cloudformation_json(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
                                            region_name: str) -> None:
            bucket = s3_backends[account_id]["aws"].buckets.get(resource_name)
            if bucket is not None and bucket.keys:
                raise BucketNotEmpty()
            delete(resource_name, cloudformation_json, account_id, region_name)

        patcher.replace(FakeBucket, "delete_from_cloudformation_json", classmethod(delete_from_cloudformation_json))
