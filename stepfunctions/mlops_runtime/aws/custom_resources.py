"""Answering CloudFormation custom-resource requests: read the request, run one operation, PUT the answer.

CloudFormation waits for the answer at the request's ``ResponseURL``; a function that fails without
answering leaves the stack waiting for an hour. :func:`answer_request` therefore always answers: the
operation's physical id and data on success, ``FAILED`` with the error's message otherwise.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomResourceRequest:
    """One Create, Update or Delete request (property values are strings, as CloudFormation sends them)."""

    request_type: str
    logical_id: str
    stack_id: str
    request_id: str
    response_url: str
    properties: dict[str, Any]
    old_properties: dict[str, Any] = field(default_factory=dict)
    physical_id: str | None = None

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> CustomResourceRequest:
        return cls(request_type=event["RequestType"], logical_id=event["LogicalResourceId"], stack_id=event["StackId"],
                   request_id=event["RequestId"], response_url=event["ResponseURL"],
                   properties=dict(event.get("ResourceProperties") or {}),
                   old_properties=dict(event.get("OldResourceProperties") or {}),
                   physical_id=event.get("PhysicalResourceId"))


@dataclass(frozen=True)
class Outcome:
    """What the operation made: the resource's physical id and the attributes ``Fn::GetAtt`` may read."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


Operation = Callable[[CustomResourceRequest], Outcome]


def put_answer(url: str, body: dict[str, Any]) -> None:
    """PUT the answer to the presigned response URL (an empty content type, as the URL was signed with)."""
    payload = json.dumps(body).encode()
    request = urllib.request.Request(url, data=payload, method="PUT",  # noqa: S310 - the URL is CloudFormation's
                                     headers={"Content-Type": "", "Content-Length": str(len(payload))})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the URL is CloudFormation's
        response.read()


def answer_request(event: dict[str, Any], operation: Operation, put: Callable[[str, dict[str, Any]], None] = put_answer) -> dict[str, Any]:
    """Run ``operation`` on the request and answer CloudFormation whatever happens; returns the answer sent."""
    request = CustomResourceRequest.from_event(event)
    try:
        outcome = operation(request)
        body = {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": outcome.physical_id, "Data": outcome.data}
    except Exception as exc:  # any failure must reach CloudFormation as FAILED, or the stack waits for an hour
        logger.exception("%s of %s failed", request.request_type, request.logical_id)
        # a failed Create has no resource yet; CloudFormation still needs a physical id in the answer
        body = {"Status": "FAILED", "Reason": f"{type(exc).__name__}: {exc}"[:1000],
                "PhysicalResourceId": request.physical_id or f"{request.logical_id}-not-created", "Data": {}}
    body.update({"StackId": request.stack_id, "RequestId": request.request_id, "LogicalResourceId": request.logical_id})
    put(request.response_url, body)
    return body
