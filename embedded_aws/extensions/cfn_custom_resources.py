"""Lambda-backed custom resources get Create, Update and Delete, and the function's answer decides the outcome.

moto 5.2.5 sends only Create (from a thread, without waiting), ignores a ``FAILED`` answer, never sends
Update or Delete, knows nothing of ``AWS::CloudFormation::CustomResource`` and answers ``Fn::GetAtt``
before the data has arrived. CloudFormation sends each request to the ``ServiceToken`` function with a
``ResponseURL`` and waits for the function to PUT its answer there: ``SUCCESS`` gives the resource its
physical id and ``Data`` (what ``Fn::GetAtt`` reads), ``FAILED`` fails the operation with the answer's
``Reason``. Here each request runs while the stack operation runs and the operation waits for the
answer. Property values reach the function as strings, as CloudFormation sends them.

The URL stands for CloudFormation's presigned S3 URL of its AWS-owned bucket
``cloudformation-custom-resource-response-<region>``: a function in a VPC without NAT answers through the S3
gateway endpoint, whose policy must allow that ``s3:PutObject``, or the answer is refused (403), as on AWS.

One difference, on purpose: when the function returns without answering, CloudFormation waits for
the resource's service timeout (an hour by default); the embedded AWS fails the resource at once,
naming the function's error, so a broken handler shows up in seconds.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import moto.cloudformation.parsing as cfn_parsing
from moto.awslambda.models import get_backend as lambda_backend
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.lambda_runtime import invoke_function
from embedded_aws.extensions.wsgi_routes import route_paths
from embedded_aws.iam.evaluator import evaluate
from embedded_aws.network.endpoints import network_of
from embedded_aws.network.guard import NETWORK_HEADER
from embedded_aws.network.services import AWS_OWNED_ACCOUNT, custom_resource_response_bucket

RESPONSE_PATH = re.compile(r"^/_embedded/cloudformation/custom-resource-response/(?P<request_id>[0-9a-f-]{36})$")
#: How long an answer may take to arrive after the function returned (the PUT is sent before it returns).
ANSWER_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Answer:
    """What the function PUT to the response URL."""

    status: str
    reason: str
    physical_id: str | None
    data: dict[str, Any]


class _Answers:
    """Response URLs waiting for their answer, by request id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[threading.Event, list[dict[str, Any]]]] = {}

    def expect(self, request_id: str) -> None:
        with self._lock:
            self._waiting[request_id] = (threading.Event(), [])

    def deliver(self, request_id: str, body: dict[str, Any]) -> bool:
        with self._lock:
            slot = self._waiting.get(request_id)
        if slot is None:
            return False
        slot[1].append(body)
        slot[0].set()
        return True

    def take(self, request_id: str, timeout: float) -> dict[str, Any] | None:
        with self._lock:
            event, bodies = self._waiting[request_id]
        event.wait(timeout)
        with self._lock:
            self._waiting.pop(request_id, None)
        return bodies[0] if bodies else None

    def clear(self) -> None:
        with self._lock:
            self._waiting.clear()


ANSWERS = _Answers()


def as_strings(value: Any) -> Any:
    """Property values as CloudFormation sends them to a custom resource: scalars become strings."""
    if isinstance(value, dict):
        return {key: as_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_strings(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None else str(value)


def send_request(request_type: str, *, service_token: str, stack_id: str, logical_id: str, resource_type: str,
                 properties: dict[str, Any], account_id: str, region: str, physical_id: str | None = None,
                 old_properties: dict[str, Any] | None = None) -> Answer:
    """Invoke the ``ServiceToken`` function with one request and return its answer (``FAILED`` raises)."""
    fn = _function(service_token, logical_id, account_id, region)
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type, "ServiceToken": service_token,
        "ResponseURL": f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}/_embedded/cloudformation/custom-resource-response/{request_id}",
        "StackId": stack_id, "RequestId": request_id, "LogicalResourceId": logical_id, "ResourceType": resource_type,
        "ResourceProperties": as_strings(properties),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = as_strings(old_properties)
    ANSWERS.expect(request_id)
    reply = invoke_function(fn, account_id, region, event)
    body = ANSWERS.take(request_id, ANSWER_GRACE_SECONDS)
    if body is None:
        error = reply.get("error") or {}
        detail = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}" if error else "it returned without answering"
        raise ValidationError(message=f"{logical_id}: the custom resource function sent no response ({detail})")
    if body.get("Status") != "SUCCESS":
        raise ValidationError(message=f"{logical_id}: Received response status [{body.get('Status')}] from custom resource. "
                                      f"Message returned: {body.get('Reason', '')}")
    data = body.get("Data") or {}
    return Answer("SUCCESS", str(body.get("Reason") or ""), body.get("PhysicalResourceId"), data if isinstance(data, dict) else {})


def _function(service_token: str, logical_id: str, account_id: str, region: str) -> Any:
    if not service_token.startswith("arn:") or ":lambda:" not in service_token:
        raise ValidationError(message=f"{logical_id}: only Lambda function ServiceTokens are emulated, got {service_token!r}")
    try:
        return lambda_backend(account_id, region).get_function(service_token)
    except Exception as exc:
        raise ValidationError(message=f"{logical_id}: the ServiceToken function {service_token} does not exist") from exc


class LambdaCustomResource(CloudFormationModel):
    """A ``Custom::*`` / ``AWS::CloudFormation::CustomResource`` resource as its function last answered it."""

    def __init__(self, *, logical_id: str, resource_type: str, stack_id: str, physical_id: str, data: dict[str, Any],
                 properties: dict[str, Any], account_id: str, region: str) -> None:
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.stack_id = stack_id
        self.physical_id = physical_id
        self.data = data
        self.properties = properties
        self.account_id = account_id
        self.region = region

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def cloudformation_type() -> str:
        # moto maps every CloudFormationModel subclass by this name; the prefix alone matches no template type,
        # so the class is used only where the extension's resource_class_from_type picks it
        return "Custom::"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True  # a custom resource's attributes are whatever its function answers

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.data:
            raise ValidationError(message=f"CustomResource attribute error: Vendor response doesn't contain "
                                          f"{attribute_name} key in object {self.stack_id}|{self.logical_id}")
        return self.data[attribute_name]

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any,
    ) -> LambdaCustomResource:
        properties = dict(cloudformation_json.get("Properties") or {})
        if "ServiceToken" not in properties:
            raise ValidationError(message=f"{kwargs['LogicalId']}: ServiceToken is required")
        answer = send_request("Create", service_token=properties["ServiceToken"], stack_id=kwargs["StackId"],
                              logical_id=kwargs["LogicalId"], resource_type=kwargs["ResourceType"], properties=properties,
                              account_id=account_id, region=region_name)
        return cls(logical_id=kwargs["LogicalId"], resource_type=kwargs["ResourceType"], stack_id=kwargs["StackId"],
                   physical_id=answer.physical_id or f"{kwargs['LogicalId']}-{uuid.uuid4().hex[:12]}", data=answer.data,
                   properties=properties, account_id=account_id, region=region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource: LambdaCustomResource, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> LambdaCustomResource:
        properties = dict(cloudformation_json.get("Properties") or {})
        if properties == original_resource.properties:
            return original_resource
        old = original_resource
        answer = send_request("Update", service_token=properties["ServiceToken"], stack_id=old.stack_id, logical_id=old.logical_id,
                              resource_type=old.resource_type, properties=properties, account_id=account_id, region=region_name,
                              physical_id=old.physical_id, old_properties=old.properties)
        updated = cls(logical_id=old.logical_id, resource_type=old.resource_type, stack_id=old.stack_id,
                      physical_id=answer.physical_id or old.physical_id, data=answer.data, properties=properties,
                      account_id=account_id, region=region_name)
        if updated.physical_id != old.physical_id:
            old.delete(account_id, region_name)  # a new physical id is a replacement: the old one gets its Delete
        return updated

    def delete(self, account_id: str, region_name: str) -> None:
        send_request("Delete", service_token=self.properties["ServiceToken"], stack_id=self.stack_id, logical_id=self.logical_id,
                     resource_type=self.resource_type, properties=self.properties, account_id=self.account_id,
                     region=self.region, physical_id=self.physical_id)


def _deliver(environ: dict[str, Any], start_response: Any, request_id: str) -> list[bytes]:
    """The response URL: the function's PUT of its answer."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"the answer must be a JSON document"]
    if not _endpoint_admits(environ, request_id):
        start_response("403 Forbidden", [("Content-Type", "application/xml")])
        return [b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"]
    if environ.get("REQUEST_METHOD") != "PUT" or not isinstance(body, dict) or not ANSWERS.deliver(request_id, body):
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"no custom resource request is waiting for this answer"]
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def _endpoint_admits(environ: dict[str, Any], request_id: str) -> bool:
    """An answer sent through a VPC endpoint needs its policy to allow the PUT into CloudFormation's bucket."""
    marked = environ.get("HTTP_" + NETWORK_HEADER.upper().replace("-", "_"))
    keys, policy = network_of({NETWORK_HEADER: marked}, environ.get("REMOTE_ADDR"))
    if policy is None:
        return True
    region = (marked or "").split()[1]
    resource = f"arn:aws:s3:::{custom_resource_response_bucket(region)}/{request_id}"
    return evaluate([policy], "s3:PutObject", resource, {**keys, "aws:resourceaccount": [AWS_OWNED_ACCOUNT]}, frozenset()).allowed


class CustomResources(Extension):
    name = "cfn-custom-resources"
    summary = "Lambda-backed custom resources get Create, Update and Delete; a FAILED answer fails the operation with its reason"
    requires = ("lambda-python-runtime",)

    def install(self, patcher: Patcher) -> None:
        original_class = cfn_parsing.resource_class_from_type

        def resource_class_from_type(resource_type: str) -> Any:
            if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
                return LambdaCustomResource
            return original_class(resource_type)

        patcher.replace(cfn_parsing, "resource_class_from_type", resource_class_from_type)
        route_paths(patcher, RESPONSE_PATH, lambda environ, start_response, found: _deliver(environ, start_response, found["request_id"]))

    def reset(self) -> None:
        ANSWERS.clear()
