"""Every request signed by an IAM user or a role session is authorized as IAM would, before moto acts on it.

moto 5.2.5 authorizes nothing unless a global request counter is set, and then evaluates actions on ``*`` only,
ignores most conditions and knows neither permissions boundaries nor ``iam:PassRole``. Here, for each request: the
caller's identity policies (user, its groups, or the session's role), its permissions boundary and session policy,
explicit Deny, the condition keys the request carries (and ``aws:ResourceTag`` read from the resource itself,
:mod:`embedded_aws.iam.resource_tags`), the resource ARNs of the operation
(:mod:`embedded_aws.iam.actions`), ``iam:PassRole`` for roles handed to a service, and for S3 the bucket policy (within
the account either side may allow, across accounts both must). A request that came through a VPC endpoint (a
function in a VPC, :mod:`embedded_aws.network.guard`) carries ``aws:SourceVpce``/``aws:SourceVpc`` instead of
``aws:SourceIp`` and must also be allowed by the endpoint's policy. KMS keys are judged with their key policy, and
services that encrypt with the caller's rights (Parameter Store SecureStrings, S3 objects under a KMS key) need the
caller's KMS permissions too (:mod:`embedded_aws.iam.kms_keys`). A refusal is AWS's ``AccessDenied`` naming the
action, the resource and why. Root credentials (the embedded AWS's own clients) are not restricted, as on AWS.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError, _RESTError
from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.iam.actions import ALWAYS_ALLOWED, Authorization, Scope, authorization, s3_action
from embedded_aws.iam.evaluator import (
    EXPLICIT_DENY,
    Decision,
    authorize,
    authorize_with_key_policy,
    evaluate,
    normalized,
    parse_document,
    principal_names,
)
from embedded_aws.iam.kms_keys import key_policy_of, on_behalf, s3_on_behalf
from embedded_aws.iam.principals import DIRECTORY, Caller
from embedded_aws.iam.resource_tags import resource_tag_keys
from embedded_aws.network.endpoints import network_of

log = logging.getLogger(__name__)

_CREDENTIAL = re.compile(r"Credential=([^/]+)/[0-9]{8}/([^/]+)/([^/]+)/")
#: REST operations whose resource name is in the path (moto parses no parameters for them).
_PATH_PARAMETERS = {
    "lambda": re.compile(r"/functions/(?P<FunctionName>[^/]+)"),
    "sagemaker": re.compile(r"/endpoints/(?P<EndpointName>[^/]+)/invocations"),  # SageMaker Runtime signs as sagemaker
}


class AccessDeniedJson(JsonRESTError):
    code = 400


class AccessDeniedRest(JsonRESTError):
    code = 403


class AccessDeniedQuery(_RESTError):
    code = 403


class S3AccessDenied(S3ClientError):
    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


@dataclass(frozen=True)
class Refusal:
    caller: Caller
    action: str
    resource: str
    decision: Decision

    @property
    def message(self) -> str:
        head = f"User: {self.caller.arn} is not authorized to perform: {self.action} on resource: {self.resource}"
        kind = {"identity": "identity-based", "boundary": "permissions boundary", "resource": "resource-based",
                "session": "session", "endpoint": "VPC endpoint"}[self.decision.policy]
        if self.decision.result == EXPLICIT_DENY:
            where = {"identity-based": "an identity-based policy", "resource-based": "a resource-based policy",
                     "permissions boundary": "a permissions boundary", "session": "a session policy",
                     "VPC endpoint": "a VPC endpoint policy"}[kind]
            return f"{head} with an explicit deny in {where}"
        what = "permissions boundary" if kind == "permissions boundary" else f"{kind} policy"
        return f"{head} because no {what} allows the {self.action} action"


class Authorizer:
    """Decides requests; counts what it decided (for the benchmark and for ``mlops doctor``-style reports)."""

    def __init__(self) -> None:
        self.directory = DIRECTORY
        self.enabled = False  # while the extension is installed
        self.decisions = 0
        self.refusals: list[Refusal] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        self.directory.forget()
        with self._lock:
            self.decisions = 0
            self.refusals.clear()

    def check(self, access_key: str, request: Authorization, resource_policy: Mapping[str, Any] | None = None,
              resource_account: str | None = None, endpoint_policy: Mapping[str, Any] | None = None) -> Refusal | None:
        """The refusal of ``request`` made with ``access_key``, or ``None`` when IAM allows it (or nothing is enforced)."""
        if not self.enabled:
            return None
        caller = self.directory.caller(access_key)
        if caller is None:
            return None
        return self.check_caller(caller, request, resource_policy, resource_account, endpoint_policy)

    def check_as_role(self, role_arn: str, session_name: str, request: Authorization) -> Refusal | None:
        """The refusal of ``request`` made by a session of ``role_arn`` (a service acting with the role)."""
        if not self.enabled:
            return None
        account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        caller = Caller("AssumedRole", f"arn:aws:sts::{account}:assumed-role/{name}/{session_name}", account, name,
                        session_name, None, role_arn)
        return self.check_caller(caller, request)

    def check_caller(self, caller: Caller, request: Authorization, resource_policy: Mapping[str, Any] | None = None,
                     resource_account: str | None = None, endpoint_policy: Mapping[str, Any] | None = None) -> Refusal | None:
        if request.action in ALWAYS_ALLOWED:
            return None
        permissions = self.directory.permissions(caller)
        context = {**caller.context(permissions.tags), **request.context}
        if caller.kind == "IAMUser":
            context["aws:userid"] = [caller.name]
        names = principal_names(caller.arn)
        same_account = resource_account is None or resource_account == caller.account
        service = request.action.split(":", 1)[0]
        checks = [(request.action, resource, {**context, **resource_tag_keys(resource, caller.account, service)}, resource_policy)
                  for resource in request.resources]
        for role_arn, service in request.passed_roles:
            checks.append(("iam:PassRole", role_arn, {**context, "iam:passedtoservice": [service]}, None))
        for action, resource, keys, policy in checks:
            values = normalized(keys)
            key = key_policy_of(resource, caller.account) if action.startswith("kms:") else None
            if key is not None and key.policy is not None and not key.aws_managed:
                decision = authorize_with_key_policy(permissions.identity, action, resource, values, key_policy=key.policy,
                                                     principal=names, account=caller.account, key_account=key.arn.split(":")[4],
                                                     boundary=permissions.boundary)
            else:
                decision = authorize(permissions.identity, action, resource, values, boundary=permissions.boundary,
                                     resource_policy=policy, principal=names, same_account=same_account)
            if decision.allowed and permissions.session is not None:
                session = authorize([permissions.session], action, resource, values)
                decision = session if not session.allowed else decision
                if not session.allowed:
                    decision = Decision(session.result, session.statement, "session")
            if decision.allowed and endpoint_policy is not None:
                through = evaluate([endpoint_policy], action, resource, values, names)
                if not through.allowed:
                    decision = Decision(through.result, through.statement, "endpoint")
            with self._lock:
                self.decisions += 1
            if not decision.allowed:
                refusal = Refusal(caller, action, resource, decision)
                with self._lock:
                    self.refusals.append(refusal)
                log.info("embedded IAM refused: %s", refusal.message)
                return refusal
        return None


AUTHORIZER = Authorizer()
#: Set while a request whose bucket policy the authorizer judged (with the request's condition keys) is served:
#: moto's own bucket check (no condition keys: ``aws:SourceVpce`` unknown, so every such Deny applies) stands aside.
_JUDGED = threading.local()


def _signature(headers: Any, querystring: Mapping[str, list[str]]) -> tuple[str, str, str] | None:
    """(access key, region, signing service) of a SigV4 request, from its header or its presigned query."""
    found = _CREDENTIAL.search(headers.get("Authorization") or "")
    if found:
        return found.group(1), found.group(2), found.group(3)
    credential = (querystring.get("X-Amz-Credential") or [""])[0]
    parts = unquote(credential).split("/")
    if len(parts) >= 4:
        return parts[0], parts[2], parts[3]
    return None


def request_params(response: Any, service: str) -> dict[str, Any]:
    """The request's parameters: moto's parse when it made one, else the JSON body or the query; names in the path win.

    (A REST operation's body may be its payload, as Lambda's Invoke: the path's names are the parameters that count.)
    """
    parsed = getattr(response, "params", None)
    if getattr(response, "automated_parameter_parsing", False) and isinstance(parsed, Mapping) and parsed:
        return dict(parsed)
    params: dict[str, Any] = {}
    body = getattr(response, "raw_body", b"") or b""
    if body[:1] in (b"{", "{"):
        try:
            loaded = json.loads(body)
            if isinstance(loaded, dict):
                params.update(loaded)
        except ValueError:
            pass
    if not params:
        for key, values in (getattr(response, "querystring", None) or {}).items():
            head, _, tail = key.partition(".member.")
            if tail:
                params.setdefault(head, []).append(values[0])
            elif values:
                params.setdefault(key, values[0])
    pattern = _PATH_PARAMETERS.get(service)
    if pattern:
        found = pattern.search(unquote(getattr(response, "raw_path", "") or getattr(response, "path", "")))
        if found:
            params.update(found.groupdict())
    return params


def _network(response: Any) -> tuple[dict[str, list[str]], dict[str, Any] | None]:
    environ = getattr(getattr(response, "normalized_request", None), "environ", None) or {}
    return network_of(response.headers, environ.get("REMOTE_ADDR"))


def _protocol(response: Any) -> str:
    from moto.core.responses import get_service_model

    try:
        return str(get_service_model(response.boto3_service_name).protocol)
    except Exception:  # noqa: BLE001 - a service botocore does not model: answer as the query protocols do
        return "query"


def _deny(response: Any, refusal: Refusal, s3: bool) -> Exception:
    if s3:
        return S3AccessDenied(refusal.message)
    protocol = _protocol(response)
    if protocol == "json":
        return AccessDeniedJson("AccessDeniedException", refusal.message)
    if protocol in ("rest-json", "smithy-rpc-v2-cbor"):
        return AccessDeniedRest("AccessDeniedException", refusal.message)
    return AccessDeniedQuery("AccessDenied", refusal.message)


def _first_refusal(access_key: str, requests: list[Authorization]) -> Refusal | None:
    """The first of ``requests`` (a service's own calls with the caller's rights) that IAM refuses."""
    for request in requests:
        refusal = AUTHORIZER.check(access_key, request)
        if refusal is not None:
            return refusal
    return None


def _missing(account: str, bucket_name: str, key: str) -> bool:
    """Whether the bucket exists and has no object ``key`` (a missing bucket is moto's to report)."""
    from moto.s3.models import s3_backends

    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    return bucket is not None and key not in bucket.keys


def _bucket_policy(account: str, resource: str) -> tuple[dict[str, Any] | None, str | None]:
    from moto.s3.models import s3_backends

    bucket_name = resource.split(":::", 1)[-1].split("/", 1)[0]
    if not bucket_name or bucket_name == "*":
        return None, None
    try:
        bucket = s3_backends[account]["aws"].get_bucket(bucket_name)
    except Exception:  # noqa: BLE001 - a missing bucket is moto's to report (NoSuchBucket), not the authorizer's
        return None, None
    policy = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
    return (parse_document(policy) if policy else None), bucket.account_id


class IamAuthorization(Extension):
    name = "iam-authorization"
    summary = ("requests signed by IAM users and role sessions are authorized against their policies, boundary, "
               "resource ARNs, conditions, iam:PassRole and bucket policies; refusals are AccessDenied")

    def install(self, patcher: Patcher) -> None:
        def authenticate_and_authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
            signature = _signature(response.headers, getattr(response, "querystring", {}) or {})
            if signature is None:
                return  # unsigned: public S3 objects and presigned flows are moto's to judge
            access_key, region, service = signature
            s3 = iam_request_cls.__name__ == "S3IAMRequest"
            account = response.current_account
            if s3:
                named = str(response.data.get("Action") or response._get_action())
                on_object = "/" in resource.split(":::", 1)[-1]
                action = s3_action(response.method, set(getattr(response, "querystring", {}) or {}), on_object, named)
                keys, endpoint_policy = _network(response)
                policy, owner = _bucket_policy(account, resource)
                request = Authorization(action, ("*" if resource.endswith(":::*") else resource,),
                                        {"aws:requestedregion": [region], **keys, **({"aws:resourceaccount": [owner]} if owner else {})})
                refusal = AUTHORIZER.check(access_key, request, policy, owner, endpoint_policy)
                if refusal is None and action in ("s3:PutObject", "s3:GetObject") and on_object:
                    bucket_name, _, quoted_key = resource.split(":::", 1)[-1].partition("/")
                    object_key = unquote(quoted_key)
                    refusal = _first_refusal(access_key, s3_on_behalf(action, bucket_name, object_key, account, region,
                                                                      dict(response.headers)))
                    if refusal is None and action == "s3:GetObject" and _missing(account, bucket_name, object_key):
                        # S3 tells a missing key (404) only to a caller who may list the bucket; anyone else gets 403
                        listing = Authorization("s3:ListBucket", (f"arn:aws:s3:::{bucket_name}",), request.context)
                        refusal = AUTHORIZER.check(access_key, listing, policy, owner, endpoint_policy)
            else:
                operation = response._get_action()
                params = request_params(response, service)
                request = authorization(service, operation, params, Scope(region, account))
                keys, endpoint_policy = _network(response)
                request.context.update(keys)
                refusal = AUTHORIZER.check(access_key, request, endpoint_policy=endpoint_policy)
                if refusal is None:  # the service then uses KMS with the caller's rights
                    refusal = _first_refusal(access_key, on_behalf(service, operation, params, Scope(region, account)))
            if refusal is not None:
                raise _deny(response, refusal, s3)

        patcher.replace(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authenticate_and_authorize)
        moto_key_response = S3Response._key_response

        def key_response(self: Any, request: Any, full_url: str) -> Any:
            query = parse_qs(urlsplit(full_url).query)
            signature = _signature(request.headers, query)
            _JUDGED.bucket_policy = (signature is not None and AUTHORIZER.enabled
                                     and AUTHORIZER.directory.caller(signature[0]) is not None)
            try:
                return moto_key_response(self, request, full_url)
            finally:
                _JUDGED.bucket_policy = False

        patcher.replace(S3Response, "_key_response", key_response)
        moto_bucket_check = FakeBucket.get_permission

        def get_permission(self: Any, action: str, resource: str) -> Any:
            from moto.iam.access_control import PermissionResult

            if getattr(_JUDGED, "bucket_policy", False):
                return PermissionResult.NEUTRAL
            return moto_bucket_check(self, action, resource)

        patcher.replace(FakeBucket, "get_permission", get_permission)
        AUTHORIZER.enabled = True

        def disable() -> None:
            AUTHORIZER.enabled = False

        patcher.on_undo(disable)

    def reset(self) -> None:
        AUTHORIZER.reset()
