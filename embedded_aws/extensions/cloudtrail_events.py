"""CloudTrail records management calls and delivers them to EventBridge as "AWS API Call via CloudTrail" events.

moto 5.2.5 keeps trails but records nothing, creates a trail whatever the bucket's policy says, and its CloudFormation
skips ``AWS::CloudTrail::Trail``. Here, as on AWS:

* ``AWS::CloudTrail::Trail`` is created (CreateTrail, event selectors, StartLogging when ``IsLogging``);
* CreateTrail refuses a bucket whose policy does not let CloudTrail read its ACL and write ``[prefix/]AWSLogs/<account>/``
  (``InsufficientS3BucketPolicyException``);
* the write calls in :data:`LOGGED` reach the account's default event bus — only while a trail that logs management
  write events covers the region: EventBridge gets CloudTrail's API call events from a logging trail only — with the
  caller's identity, the request parameters and the response elements, or the error code and message of a refused
  call. Calls refused by IAM before they reach the service are not recorded here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from moto.cloudtrail.models import CloudTrailBackend, Trail, cloudtrail_backends
from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow
from moto.events.models import events_backends
from moto.iam.models import iam_backends
from moto.s3.models import s3_backends
from moto.servicecatalog.responses import ServiceCatalogResponse

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import ApiResource, camel_keys, cfn_tags, register_resource_types
from embedded_aws.extensions.iam_authorization import AUTHORIZER
from embedded_aws.extensions.service_catalog_provisioning import ServiceCatalogProvisioning
from embedded_aws.iam.evaluator import evaluate
from embedded_aws.iam.principals import USER, Caller

DETAIL_TYPE = "AWS API Call via CloudTrail"
SERVICE_PRINCIPAL = "cloudtrail.amazonaws.com"
#: Response handler → (service as CloudTrail's event source names it, operation): the calls recorded.
LOGGED: dict[tuple[type, str], tuple[str, str]] = {
    (ServiceCatalogResponse, "provision_product"): ("servicecatalog", "ProvisionProduct"),
    (ServiceCatalogResponse, "terminate_provisioned_product"): ("servicecatalog", "TerminateProvisionedProduct"),
}


class InsufficientS3BucketPolicyException(JsonRESTError):
    code = 400

    def __init__(self, bucket: str) -> None:
        super().__init__("InsufficientS3BucketPolicyException", f"Incorrect S3 bucket policy is detected for bucket: {bucket}")


def bucket_admits_cloudtrail(bucket: str, prefix: str | None, account: str, region: str, trail_name: str) -> bool:
    """Whether the bucket's policy lets CloudTrail check its ACL and deliver this account's log files."""
    try:
        policy = s3_backends[account]["aws"].get_bucket(bucket).policy
    except Exception:  # noqa: BLE001 - a missing bucket is moto's own error (S3BucketDoesNotExistException)
        return True
    if not policy:
        return False
    document = json.loads(policy)
    context = {"aws:SourceArn": [f"arn:aws:cloudtrail:{region}:{account}:trail/{trail_name}"], "aws:SourceAccount": [account],
               "s3:x-amz-acl": ["bucket-owner-full-control"], "aws:SecureTransport": ["true"]}
    key = f"{prefix.strip('/')}/AWSLogs/{account}/CloudTrail/" if prefix else f"AWSLogs/{account}/CloudTrail/"
    principal = {SERVICE_PRINCIPAL}
    return (evaluate([document], "s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", context, principal).allowed
            and evaluate([document], "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}{region}/log.json.gz", context, principal).allowed)


def logs_management_writes(trail: Trail) -> bool:
    """Whether the trail's selectors keep management write events (no selectors: every management event)."""
    if trail.advanced_event_selectors:
        return any(_advanced_keeps_writes(selector) for selector in trail.advanced_event_selectors)
    if trail.event_selectors:
        return any(s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") in ("All", "WriteOnly")
                   for s in trail.event_selectors)
    return True


def _advanced_keeps_writes(selector: dict[str, Any]) -> bool:
    fields = {f["Field"]: f for f in selector.get("FieldSelectors", [])}
    category = fields.get("eventCategory", {})
    read_only = fields.get("readOnly", {})
    return "Management" in category.get("Equals", []) and "true" not in read_only.get("Equals", [])


def covering_trail(account: str, region: str) -> Trail | None:
    """A logging trail of ``account`` that records management writes made in ``region``."""
    for trail_region, backend in list(cloudtrail_backends[account].items()):
        for trail in list(backend.trails.values()):
            if trail.status.is_logging and (trail_region == region or trail.is_multi_region) and logs_management_writes(trail):
                return trail
    return None


def user_identity(caller: Caller | None, access_key: str, account: str) -> dict[str, Any]:
    """CloudTrail's ``userIdentity`` of the principal behind ``access_key``."""
    if caller is None:
        return {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root", "accountId": account,
                "accessKeyId": access_key}
    iam = iam_backends[caller.account]["aws"]
    if caller.kind == USER:
        return {"type": "IAMUser", "principalId": iam.get_user(caller.name).id, "arn": caller.arn, "accountId": caller.account,
                "accessKeyId": access_key, "userName": caller.name}
    role_id = next((r.id for r in iam.roles.values() if r.arn == caller.role_arn), "")
    return {"type": "AssumedRole", "principalId": f"{role_id}:{caller.session_name}", "arn": caller.arn,
            "accountId": caller.account, "accessKeyId": access_key,
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": role_id, "arn": caller.role_arn,
                                                 "accountId": caller.account, "userName": caller.name},
                               "attributes": {"creationDate": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "mfaAuthenticated": "false"}}}


def api_call_event(service: str, operation: str, identity: dict[str, Any], account: str, region: str, request: dict[str, Any],
                   response: dict[str, Any] | None, error: JsonRESTError | None) -> dict[str, Any]:
    """The EventBridge entry CloudTrail delivers for one call."""
    detail: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{service}.amazonaws.com", "eventName": operation, "awsRegion": region, "sourceIPAddress": "127.0.0.1",
        "userAgent": "embedded-aws", "requestParameters": camel_keys(request),
        "responseElements": camel_keys(response) if response is not None else None,
        "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": False, "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": account, "eventCategory": "Management",
    }
    if error is not None:
        detail.update(errorCode=error.error_type, errorMessage=error.message)
    return {"Source": f"aws.{service}", "DetailType": DETAIL_TYPE, "Resources": [], "Detail": json.dumps(detail, default=str)}


def _recorded(handler: Callable[[Any], Any], service: str, operation: str) -> Callable[[Any], Any]:
    def respond(self: Any) -> Any:
        account, region = self.current_account, self.region
        trail = covering_trail(account, region)
        if trail is None:
            return handler(self)
        request = json.loads(self.body or "{}")
        access_key = self.get_access_key()
        identity = user_identity(AUTHORIZER.directory.caller(access_key), access_key, account)
        try:
            result = handler(self)
        except JsonRESTError as exc:
            _deliver(account, region, api_call_event(service, operation, identity, account, region, request, None, exc))
            raise
        response = getattr(result, "result", None)
        _deliver(account, region, api_call_event(service, operation, identity, account, region, request,
                                                 response if isinstance(response, dict) else {}, None))
        return result

    return respond


def _deliver(account: str, region: str, entry: dict[str, Any]) -> None:
    events_backends[account][region].put_events([entry])


class TrailResource(ApiResource):
    TYPE = "AWS::CloudTrail::Trail"
    SERVICE = "cloudtrail"
    NAME_PROPERTY = "TrailName"
    ATTRIBUTES = ("Arn", "SnsTopicArn")

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request: dict[str, Any] = {key: properties[key] for key in ("S3BucketName", "S3KeyPrefix", "SnsTopicName", "IncludeGlobalServiceEvents",
                                                      "IsMultiRegionTrail", "EnableLogFileValidation", "CloudWatchLogsLogGroupArn",
                                                      "CloudWatchLogsRoleArn", "KMSKeyId", "IsOrganizationTrail") if key in properties}
        if "KMSKeyId" in request:
            request["KmsKeyId"] = request.pop("KMSKeyId")
        for flag in ("IncludeGlobalServiceEvents", "IsMultiRegionTrail", "EnableLogFileValidation", "IsOrganizationTrail"):
            if flag in request:
                request[flag] = str(request[flag]).lower() == "true"
        trail = client.create_trail(Name=name, TagsList=cfn_tags(properties), **request)
        selectors = {key: properties[key] for key in ("EventSelectors", "AdvancedEventSelectors") if properties.get(key)}
        if selectors:
            client.put_event_selectors(TrailName=name, **_typed_selectors(selectors))
        if str(properties["IsLogging"]).lower() == "true":
            client.start_logging(Name=name)
        return name, {"Arn": trail["TrailARN"], "SnsTopicArn": trail.get("SnsTopicARN", "")}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_trail(Name=physical_id)


def _typed_selectors(selectors: dict[str, Any]) -> dict[str, Any]:
    """Template values are strings; the API's IncludeManagementEvents is a boolean."""
    for selector in selectors.get("EventSelectors", []):
        if "IncludeManagementEvents" in selector:
            selector["IncludeManagementEvents"] = str(selector["IncludeManagementEvents"]).lower() == "true"
    return selectors


class CloudTrailEvents(Extension):
    name = "cloudtrail-events"
    summary = ("logged management calls (ProvisionProduct, TerminateProvisionedProduct) reach EventBridge as 'AWS API Call via "
               "CloudTrail' while a logging trail covers the region; CreateTrail checks the bucket policy; AWS::CloudTrail::Trail")
    requires = (ServiceCatalogProvisioning.name,)

    def install(self, patcher: Patcher) -> None:
        register_resource_types(patcher, TrailResource)
        for (owner, name), (service, operation) in LOGGED.items():
            patcher.replace(owner, name, _recorded(getattr(owner, name), service, operation))
        create_trail = CloudTrailBackend.create_trail

        def checked_create_trail(self: CloudTrailBackend, name: str, bucket_name: str, s3_key_prefix: str, *args: Any) -> Any:
            if not bucket_admits_cloudtrail(bucket_name, s3_key_prefix, self.account_id, self.region_name, name):
                raise InsufficientS3BucketPolicyException(bucket_name)
            return create_trail(self, name, bucket_name, s3_key_prefix, *args)

        patcher.replace(CloudTrailBackend, "create_trail", checked_create_trail)
