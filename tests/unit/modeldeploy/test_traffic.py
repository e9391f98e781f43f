"""Traffic: requests round-robin over the bodies, counted by outcome."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlops_platform.modeldeploy.traffic import Traffic, request_bodies


class Runtime:
    exceptions = type("exceptions", (), {"ClientError": ClientError})

    def __init__(self, fail_every: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_every = fail_every

    def invoke_endpoint(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.fail_every and len(self.requests) % self.fail_every == 0:
            raise ClientError({"Error": {"Code": "ModelError", "Message": "Received server error (500)"}}, "InvokeEndpoint")
        return {"Body": io.BytesIO(b"0.9")}


def test_bodies_round_robin_and_outcomes_are_counted() -> None:
    runtime = Runtime(fail_every=3)
    sender = Traffic(runtime, "churn-staging", request_bodies("1,2\n\n3,4\n"), rate=1000)
    for _ in range(6):
        sender.send_one()
    assert [r["Body"] for r in runtime.requests] == [b"1,2", b"3,4"] * 3
    assert {r["EndpointName"] for r in runtime.requests} == {"churn-staging"}
    assert sender.report.to_dict() == {"sent": 6, "answered": 4, "errors": {"ModelError": 2}, "last_error": "Received server error (500)"}


def test_background_traffic_stops_on_exit() -> None:
    runtime = Runtime()
    with Traffic(runtime, "e", [b"1"], rate=1000) as sender:
        while sender.report.sent < 5:
            pass
    sent = sender.report.sent
    assert sent >= 5 and len(runtime.requests) == sent


def test_traffic_needs_a_body() -> None:
    with pytest.raises(ValueError, match="at least one request body"):
        Traffic(Runtime(), "e", request_bodies("\n\n"))
