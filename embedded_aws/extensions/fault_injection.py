"""Failures injected into a running embedded AWS over HTTP, and throttled calls answered as AWS answers them.

The API lives on the server itself (``<endpoint>/_embedded/faults``; ``mlops local fault`` uses it):

=========  ==============================  ==================================================================
``GET``    ``/_embedded/faults``           the faults in force
``POST``   ``/_embedded/faults/capacity``  ``{"instance_type": "ml.t3.medium"}``: launches of that type fail
``POST``   ``/_embedded/faults/throttle``  ``{"service": "sagemaker", "operation": "CreateNotebookInstance",
                                           "times": 2}``: the next calls answer the throttling error
``POST``   ``/_embedded/faults/notebook-start``  ``{"notebook": "ana-Notebook", "reason": "..."}``: its next
                                           launch or start ends ``Failed`` with the reason
``DELETE`` ``/_embedded/faults``           clear them all
=========  ==============================  ==================================================================

Answers are JSON; a request that does not say what the fault needs is refused with 400 and nothing changes. A
throttled call answers HTTP 400 ``ThrottlingException`` ("Rate exceeded") in JSON services, ``Throttling`` in the
query-protocol ones (IAM, CloudFormation, STS), before the service acts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.exceptions import _RESTError as RESTError  # moto pinned exactly; its XML error base
from moto.core.responses import BaseResponse

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.wsgi_routes import route_paths
from embedded_aws.faults import FAULTS, THROTTLED

PATH = re.compile(r"^/_embedded/faults(?:/(?P<kind>capacity|throttle|notebook-start))?/?$")
_CREDENTIAL = re.compile(r"Credential=[^/]+/[0-9]{8}/[^/]+/([^/]+)/")


class ThrottledJson(JsonRESTError):
    code = 400


class ThrottledXml(RESTError):
    code = 400


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any]) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


class FaultRequestError(ValueError):
    """A fault request missing what the fault needs."""


def _field(body: dict[str, Any], name: str) -> str:
    found = body.get(name)
    if not isinstance(found, str) or not found.strip():
        raise FaultRequestError(f"{name!r} is required (a non-empty string)")
    return found.strip()


def apply(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Put the fault ``kind`` described by ``body`` in force; what is now in force."""
    if kind == "capacity":
        FAULTS.exhaust_capacity(_field(body, "instance_type"))
    elif kind == "throttle":
        times = body.get("times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise FaultRequestError(f"'times' must be a whole number of at least 1, got {times!r}")
        FAULTS.throttle(_field(body, "service"), _field(body, "operation"), times)
    else:
        reason = body.get("reason")
        FAULTS.fail_notebook_start(_field(body, "notebook"), *([reason] if isinstance(reason, str) and reason else []))
    return FAULTS.describe()


def serve(environ: dict[str, Any], start_response: Callable[..., Any], kind: str | None) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    if kind is None and method == "GET":
        return _json(start_response, "200 OK", FAULTS.describe())
    if kind is None and method == "DELETE":
        FAULTS.clear()
        return _json(start_response, "200 OK", FAULTS.describe())
    if kind is None or method != "POST":
        return _json(start_response, "405 Method Not Allowed", {"error": f"{method} is not supported here: GET or DELETE "
                                                                          "/_embedded/faults, POST /_embedded/faults/<kind>"})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if not isinstance(body, dict):
            raise FaultRequestError("the body must be a JSON object")
        return _json(start_response, "201 Created", apply(kind, body))
    except (ValueError, FaultRequestError) as exc:
        return _json(start_response, "400 Bad Request", {"error": str(exc)})


def signing_service(response: BaseResponse) -> str:
    """The SDK service a request was signed for (what a throttle names), else moto's name for it."""
    found = _CREDENTIAL.search(str((response.headers or {}).get("Authorization", "")))
    return found.group(1) if found else str(getattr(response, "service_name", "") or "")


def _throttled(response: BaseResponse) -> Any:
    """The service's throttling error, answered as moto answers its own errors (status, headers, request id)."""
    headers = {str(k).lower(): str(v) for k, v in dict(response.headers or {}).items()}
    json_protocol = "x-amz-target" in headers or "json" in headers.get("content-type", "")
    error = ThrottledJson("ThrottlingException", THROTTLED) if json_protocol else ThrottledXml("Throttling", THROTTLED)
    error_headers: dict[str, Any] = {**dict(error.get_headers() or []), "status": error.code}
    status, answer_headers, body = response._transform_response({}, (error.description, error_headers))
    answer_headers, body = response._enrich_response(answer_headers, body)
    return status, answer_headers, body


class FaultInjection(Extension):
    name = "fault-injection"
    summary = "faults injected over HTTP on a running server (capacity, throttled operations, failed notebook starts)"

    def install(self, patcher: Patcher) -> None:
        route_paths(patcher, PATH, lambda environ, start_response, found: serve(environ, start_response, found["kind"]))
        original_action = BaseResponse.call_action

        def call_action(self: BaseResponse) -> Any:
            if FAULTS.take_throttle(signing_service(self), self._get_action()):
                return _throttled(self)
            return original_action(self)

        patcher.replace(BaseResponse, "call_action", call_action)

    def reset(self) -> None:
        FAULTS.clear()
