"""CloudFormation acts on each resource with the stack's principal's rights, not with unlimited ones.

moto 5.2.5 creates, updates and deletes a stack's resources with no authorization at all, so a Service Catalog launch
role, a StackSet execution role or a user that may not create a role still gets one through CloudFormation. AWS calls
each resource's service as the stack's service role (``RoleARN``, kept for the stack's later operations: the launch
role of a provisioned product) or, without one, as the caller, through forward access sessions that carry
``aws:CalledVia``/``aws:ViaAWSService``. Here every resource operation is authorized as that principal
(:mod:`embedded_aws.iam.cfn_calls` names the calls) and a refusal fails the resource with CloudFormation's message —
the create then rolls back (``cfn-failed-operations``), an update rolls back (``cfn-update-rollback``). A service role
that does not exist or does not trust CloudFormation is refused by the call itself, as AWS refuses it. StackSets
deploy as their execution role in the target account (:func:`acting_as`). Root credentials (the embedded AWS's own
clients) are not restricted, as on AWS.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import moto.cloudformation.parsing as cfn_parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.parsing import ResourceMap, clean_json, generate_resource_name
from moto.cloudformation.responses import CloudFormationResponse

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_failed_operations import ResourceFailure
from embedded_aws.extensions.iam_authorization import AUTHORIZER, _signature
from embedded_aws.extensions.sfn_sdk_error_names import service_error_name
from embedded_aws.iam.actions import IAM_PREFIX, Scope, authorization
from embedded_aws.iam.cfn_calls import NAME_PROPERTIES, THROUGH_CLOUDFORMATION, Target, calls_for, covered
from embedded_aws.iam.principals import Caller, trusts_service

#: The session name of the role CloudFormation assumes for a stack.
SESSION_NAME = "AWSCloudFormation"
_ACTING = threading.local()


def role_session(role_arn: str) -> Caller:
    """The principal CloudFormation acts as with the service role ``role_arn``."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    return Caller("AssumedRole", f"arn:aws:sts::{account}:assumed-role/{name}/{SESSION_NAME}", account, name, SESSION_NAME, None, role_arn)


@contextlib.contextmanager
def acting_as(principal: Caller | None) -> Iterator[None]:
    """Stack operations in this thread act as ``principal`` (``None``: unrestricted)."""
    previous = getattr(_ACTING, "principal", None)
    _ACTING.principal = principal
    try:
        yield
    finally:
        _ACTING.principal = previous


def _principal(response: CloudFormationResponse, role_arn: str | None) -> Caller | None:
    if role_arn:
        if not trusts_service(role_arn, "cloudformation.amazonaws.com"):  # what AWS checks before accepting RoleARN
            raise ValidationError(message=f"Role {role_arn} is invalid or cannot be assumed")
        return role_session(role_arn)
    signature = _signature(response.headers, getattr(response, "querystring", {}) or {})
    return AUTHORIZER.directory.caller(signature[0]) if signature else None


def _stack_role(response: CloudFormationResponse) -> str | None:
    name = response._get_param("StackName")
    backend = cloudformation_backends[response.current_account][response.region]
    stack = next((s for s in backend.stacks.values() if name in (s.name, s.stack_id)), None)
    return getattr(stack, "role_arn", None) if stack is not None else None


def _tags(properties: dict[str, Any], resources_map: ResourceMap) -> dict[str, str]:
    """The resource's tags as CloudFormation applies them: the stack's (propagated) and its own."""
    stack_tags = {k: str(v) for k, v in (getattr(resources_map, "tags", None) or {}).items() if not str(k).startswith("aws:")}
    own = properties.get("Tags") or []
    if isinstance(own, dict):
        return {**stack_tags, **{str(k): str(v) for k, v in own.items()}}
    return {**stack_tags, **{str(t["Key"]): str(t.get("Value", "")) for t in own if isinstance(t, dict) and "Key" in t}}


def _role_path(account: str) -> Any:
    from moto.iam.models import iam_backends

    def path_of(name: str) -> str:
        role = next((r for r in iam_backends[account]["aws"].roles.values() if r.name == name), None)
        return f"{role.path.strip('/')}/{name}" if role is not None and role.path.strip("/") else name

    return path_of


def authorize(operation: str, logical_id: str, resource_type: str, properties: dict[str, Any], name: str,
              resources_map: ResourceMap) -> None:
    """Raise :class:`ResourceFailure` (CloudFormation's AccessDenied) unless the acting principal may ``operation`` this resource."""
    principal = getattr(_ACTING, "principal", None)
    if principal is None or not AUTHORIZER.enabled:
        return
    account, region = resources_map._account_id, resources_map._region_name
    target = Target(resource_type, properties, name, _tags(properties, resources_map), _role_path(account))
    calls = calls_for(operation, target)
    for index, (service, api, params) in enumerate(calls or []):
        request = authorization(service, api, _placed(params, account, region), Scope(region, account))
        request.context.update(THROUGH_CLOUDFORMATION)
        if target.tags and (operation != "create" or index > 0):  # the resource carries its tags once created
            request.context.update({f"aws:resourcetag/{k.lower()}": [v] for k, v in target.tags.items()})
        refusal = AUTHORIZER.check_caller(principal, request)
        if refusal is not None:
            display = service_error_name(IAM_PREFIX.get(service, service))
            raise ResourceFailure(logical_id, resource_type, (
                f'Resource handler returned message: "{refusal.message} (Service: {display}, Status Code: 403, '
                f'Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: AccessDenied)'))


def refusal_of_call(service: str, api: str, params: dict[str, Any], account: str, region: str) -> str | None:
    """AccessDenied message when the acting principal may not make this call CloudFormation makes for the stack itself
    (such as resolving SSM-typed parameters); ``None`` when allowed or when no principal is restricted."""
    principal = getattr(_ACTING, "principal", None)
    if principal is None or not AUTHORIZER.enabled:
        return None
    request = authorization(service, api, params, Scope(region, account))
    request.context.update(THROUGH_CLOUDFORMATION)
    refusal = AUTHORIZER.check_caller(principal, request)
    return refusal.message if refusal is not None else None


def _placed(value: Any, account: str, region: str) -> Any:
    if isinstance(value, str):
        return value.replace("{account}", account).replace("{region}", region)
    if isinstance(value, dict):
        return {k: _placed(v, account, region) for k, v in value.items()}
    if isinstance(value, list):
        return [_placed(v, account, region) for v in value]
    return value


def _checked(resource_type: str, resource_json: dict[str, Any], resources_map: ResourceMap) -> dict[str, Any] | None:
    """The resource's resolved properties when its calls are to be checked (a principal acts, the type is covered and
    its references resolve); ``None`` otherwise (what cannot resolve, CloudFormation itself fails on)."""
    if getattr(_ACTING, "principal", None) is None or not AUTHORIZER.enabled or not covered(resource_type):
        return None
    try:
        properties = clean_json(resource_json.get("Properties") or {}, resources_map)
    except Exception:  # noqa: BLE001 - an unresolvable reference is the resource's own failure, reported by moto
        return None
    return properties if isinstance(properties, dict) else {}


class CfnStackPrincipal(Extension):
    name = "cfn-stack-principal"
    summary = ("stack resources are created, updated and deleted with the rights of the stack's service role or caller "
               "(forward access sessions); a refused call fails the resource with CloudFormation's AccessDenied message")
    requires = ("iam-authorization", "cfn-failed-operations", "cfn-update-rollback")

    def install(self, patcher: Patcher) -> None:
        create_resource = cfn_parsing.parse_and_create_resource

        def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: ResourceMap,
                                      account_id: str, region_name: str) -> Any:
            condition = resource_json.get("Condition")
            resource_type = str(resource_json.get("Type", ""))
            properties = _checked(resource_type, resource_json, resources_map)
            if properties is not None and not (condition and not resources_map.lazy_condition_map[condition]):
                name = properties.get(NAME_PROPERTIES.get(resource_type, ""), "") or generate_resource_name(
                    resource_type, str(resources_map["AWS::StackName"]), logical_id)
                authorize("create", logical_id, resource_type, properties, str(name), resources_map)
            return create_resource(logical_id, resource_json, resources_map, account_id, region_name)

        patcher.replace(cfn_parsing, "parse_and_create_resource", parse_and_create_resource)
        update_resource = cfn_parsing.parse_and_update_resource

        def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: ResourceMap,
                                      account_id: str, region_name: str) -> Any:
            resource_type = str(resource_json.get("Type", ""))
            properties = _checked(resource_type, resource_json, resources_map)
            if properties is not None:
                current = resources_map._parsed_resources.get(logical_id)
                name = properties.get(NAME_PROPERTIES.get(resource_type, ""), "") or getattr(current, "physical_resource_id", "")
                authorize("update", logical_id, resource_type, properties, str(name), resources_map)
            return update_resource(logical_id, resource_json, resources_map, account_id, region_name)

        patcher.replace(cfn_parsing, "parse_and_update_resource", parse_and_update_resource)
        delete_resource = ResourceMap._delete_resource

        def _delete_resource(self: ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
            resource_type = str(resource_json.get("Type", ""))
            properties = _checked(resource_type, resource_json, self)
            if properties is not None:
                authorize("delete", str(getattr(parsed_resource, "logical_resource_id", "")), resource_type, properties,
                          str(getattr(parsed_resource, "physical_resource_id", "")), self)
            delete_resource(self, parsed_resource, resource_json)

        patcher.replace(ResourceMap, "_delete_resource", _delete_resource)

        for operation, role_of in (("create_stack", lambda r: r._get_param("RoleARN")),
                                   ("update_stack", lambda r: r._get_param("RoleARN") or _stack_role(r)),
                                   ("delete_stack", lambda r: r._get_param("RoleARN") or _stack_role(r))):
            patcher.replace(CloudFormationResponse, operation, _as_principal(getattr(CloudFormationResponse, operation), role_of))


def _as_principal(handler: Any, role_of: Any) -> Any:
    def respond(self: CloudFormationResponse) -> Any:
        with acting_as(_principal(self, role_of(self))):
            return handler(self)

    return respond
