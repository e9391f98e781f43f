"""Deployed REST APIs answer requests: IAM (SigV4) authorization and Lambda proxy integrations.

moto 5.2.5 stores APIs but never invokes them in server mode. Here a request to
``<endpoint>/restapis/<api-id>/<stage>/_user_request_/<path>`` (the embedded stand-in for
``https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>``) is routed to the
deployed stage's resource and method. ``AWS_IAM`` methods need a SigV4 request from a known
principal; its identity reaches the Lambda in ``requestContext.identity``, as API Gateway
sends it. ``CUSTOM`` methods run their Lambda authorizer (TOKEN: the identity header, 401 when missing
or when the authorizer raises ``Unauthorized``; REQUEST: the request itself); its policy must allow
the method ARN (403 otherwise, "explicit deny" for a Deny) and its principal and context reach the
integration in ``requestContext.authorizer``. Limits: the signature itself is not recomputed, resource
policies are not evaluated, authorizer results are not cached.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl

from moto.apigateway.models import apigateway_backends
from moto.awslambda.utils import get_backend as lambda_backend
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.lambda_runtime import invoke_function
from embedded_aws.extensions.wsgi_routes import route_paths

EXECUTE_PATH = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
LAMBDA_URI = re.compile(r"arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<function>arn:[^/]+)/invocations")
ACCESS_KEY = re.compile(r"Credential=(?P<key>[A-Z0-9]{16,128})/[0-9]{8}/(?P<region>[a-z0-9-]+)/execute-api/")


def _json_response(start_response: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> list[bytes]:
    payload = body if isinstance(body, (bytes, str)) else json.dumps(body)
    data = payload.encode() if isinstance(payload, str) else payload
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
              502: "Bad Gateway"}.get(status, "")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("x-amzn-RequestId", str(uuid.uuid4())),
                                          *(headers or {}).items()])
    return [data]


def find_api(api_id: str) -> tuple[str, str, Any] | None:
    """The account, region and moto RestAPI with ``api_id``."""
    for account_id, regions in list(apigateway_backends.items()):
        for region, backend in list(regions.items()):
            if api_id in backend.apis:
                return account_id, region, backend.apis[api_id]
    return None


def match_resource(api: Any, path: str) -> tuple[Any, dict[str, str]] | None:
    """The resource whose path template matches ``path``, with its path parameters."""
    for resource in api.resources.values():
        template = resource.get_path() or "/"
        pattern = "^" + re.sub(r"\\\{([^/}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "/?$"
        found = re.match(pattern, path)
        if found:
            return resource, found.groupdict()
    return None


def caller_identity(authorization: str) -> dict[str, str] | None:
    """API Gateway's ``requestContext.identity`` for the access key that signed the request."""
    found = ACCESS_KEY.search(authorization or "")
    if not found:
        return None
    key = found.group("key")
    for account_id, partitions in list(iam_backends.items()):
        user = partitions["aws"].get_user_from_access_key_id(key)
        if user is not None:
            return {"accountId": account_id, "user": user.id, "userArn": user.arn, "caller": user.id, "accessKey": key}
        role = sts_backends[account_id]["aws"].get_assumed_role_from_access_key(key)
        if role is not None:
            return {"accountId": role.account_id, "user": role.user_id, "userArn": role.arn, "caller": role.user_id, "accessKey": key}
    return None


def proxy_event(environ: dict[str, Any], api_id: str, stage: str, path: str, resource: Any, parameters: dict[str, str],
                identity: dict[str, str] | None, account_id: str) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    try:
        body, encoded = raw.decode(), False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(raw).decode(), True
    return {
        "resource": resource.get_path(), "path": path, "httpMethod": environ["REQUEST_METHOD"], "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": query or None,
        "pathParameters": parameters or None, "stageVariables": None, "body": body or None, "isBase64Encoded": encoded,
        "requestContext": {
            "accountId": account_id, "apiId": api_id, "stage": stage, "resourcePath": resource.get_path(),
            "httpMethod": environ["REQUEST_METHOD"], "path": f"/{stage}{path}", "requestId": str(uuid.uuid4()),
            "identity": {**(identity or {}), "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1")},
        },
    }


class Refused(Exception):
    """The authorizer step answers instead of the integration."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


def _lambda(function_arn: str) -> tuple[Any, str, str]:
    account, region = function_arn.split(":")[4], function_arn.split(":")[3]
    return lambda_backend(account, region).get_function(function_arn.split(":")[6]), account, region


def _policy_allows(policy: dict[str, Any], method_arn: str) -> bool:
    """Explicit Deny wins, then an Allow whose resource matches; nothing matching is a refusal."""
    allowed = False
    for statement in policy.get("Statement", []) if isinstance(policy.get("Statement"), list) else [policy.get("Statement", {})]:
        resources = statement.get("Resource", [])
        if not any(fnmatch.fnmatchcase(method_arn, r) for r in (resources if isinstance(resources, list) else [resources])):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def custom_authorize(api: Any, method: Any, environ: dict[str, Any], method_arn: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run the method's Lambda authorizer (TOKEN or REQUEST); the ``requestContext.authorizer`` it grants, or :class:`Refused`."""
    authorizer = api.authorizers.get(method.authorizer_id or "")
    target = LAMBDA_URI.search(getattr(authorizer, "authorizer_uri", "") or "")
    if authorizer is None or target is None:
        raise Refused(500, {"message": None})
    if authorizer.type == "TOKEN":
        header = (authorizer.identity_source or "method.request.header.Authorization").rsplit(".", 1)[-1]
        token = environ.get("HTTP_" + header.upper().replace("-", "_"))
        if not token or (authorizer.identity_validation_expression and not re.fullmatch(authorizer.identity_validation_expression, token)):
            raise Refused(401, {"message": "Unauthorized"})
        request = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
    else:
        request = {"type": "REQUEST", "methodArn": method_arn, **{k: event[k] for k in (
            "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters", "pathParameters",
            "stageVariables", "requestContext")}}
    function, account, region = _lambda(target.group("function"))
    reply = invoke_function(function, account, region, request)
    if "error" in reply:
        if str(reply["error"].get("errorMessage")) == "Unauthorized":
            raise Refused(401, {"message": "Unauthorized"})
        raise Refused(500, {"message": None})
    answer = reply.get("result") or {}
    policy = answer.get("policyDocument") or {}
    if not _policy_allows(policy, method_arn):
        denied = any(s.get("Effect") == "Deny" for s in policy.get("Statement", []) if isinstance(s, dict))
        raise Refused(403, {"Message": "User is not authorized to access this resource"
                                       + (" with an explicit deny" if denied else "")})
    return {"principalId": str(answer.get("principalId", "")), **{k: str(v) for k, v in (answer.get("context") or {}).items()}}


def execute(environ: dict[str, Any], start_response: Any, found: re.Match[str]) -> list[bytes]:
    api_id, stage, path = found.group("api"), found.group("stage"), found.group("path") or "/"
    located = find_api(api_id)
    if located is None or stage not in located[2].stages:
        return _json_response(start_response, 403, {"message": "Forbidden"})
    account_id, region, api = located
    matched = match_resource(api, path)
    method = None if matched is None else (matched[0].resource_methods.get(environ["REQUEST_METHOD"]) or matched[0].resource_methods.get("ANY"))
    if matched is None or method is None:
        return _json_response(start_response, 403, {"message": "Missing Authentication Token"})
    identity = caller_identity(environ.get("HTTP_AUTHORIZATION", ""))
    if method.authorization_type == "AWS_IAM":
        if not environ.get("HTTP_AUTHORIZATION"):
            return _json_response(start_response, 403, {"message": "Missing Authentication Token"})
        if identity is None:
            return _json_response(start_response, 403, {"message": "The security token included in the request is invalid."})
    integration = method.method_integration
    target = LAMBDA_URI.search(integration.uri or "") if integration is not None and integration.integration_type == "AWS_PROXY" else None
    if target is None:
        return _json_response(start_response, 500, {"message": "Internal server error"})
    event = proxy_event(environ, api_id, stage, path, matched[0], matched[1], identity, account_id)
    if method.authorization_type == "CUSTOM":
        method_arn = f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{environ['REQUEST_METHOD']}{path}"
        try:
            event["requestContext"]["authorizer"] = custom_authorize(api, method, environ, method_arn, event)
        except Refused as refused:
            return _json_response(start_response, refused.status, refused.body)
    function, function_account, function_region = _lambda(target.group("function"))
    reply = invoke_function(function, function_account, function_region, event)
    result = reply.get("result")
    if "error" in reply or not isinstance(result, dict) or "statusCode" not in result:
        return _json_response(start_response, 502, {"message": "Internal server error"})
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return _json_response(start_response, int(result["statusCode"]), body, {k: str(v) for k, v in (result.get("headers") or {}).items()})


class ApiGatewayExecute(Extension):
    name = "apigateway-execute"
    summary = "Deployed REST APIs answer at /restapis/<id>/<stage>/_user_request_/..., with IAM authorization and Lambda proxy"

    def install(self, patcher: Patcher) -> None:
        route_paths(patcher, EXECUTE_PATH, execute)
