"""ci.pending_approval / decide_approval: the gate an execution waits at, decided with its token."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_platform.modelbuild.ci import decide_approval, pending_approval


class CodePipeline:
    def __init__(self, token: str | None) -> None:
        self.token = token
        self.results: list[dict[str, Any]] = []

    def get_pipeline_state(self, name: str) -> dict[str, Any]:
        gate = {"status": "InProgress", "token": self.token} if self.token else {"status": "Succeeded"}
        return {"stageStates": [{"stageName": "Staging", "actionStates": [{"actionName": "Deploy", "latestExecution": {"status": "Succeeded"}}]},
                                {"stageName": "ApproveProd", "actionStates": [{"actionName": "Approve", "latestExecution": gate}]}]}

    def put_approval_result(self, **request: Any) -> None:
        self.results.append(request)


def test_the_waiting_gate_is_decided_with_its_token() -> None:
    codepipeline = CodePipeline("t-1")
    assert decide_approval(codepipeline, "deploy", False, "latency too high") == ("ApproveProd", "Approve")
    assert codepipeline.results == [{"pipelineName": "deploy", "stageName": "ApproveProd", "actionName": "Approve",
                                     "result": {"summary": "latency too high", "status": "Rejected"}, "token": "t-1"}]


def test_no_gate_waiting_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="^deploy is not waiting for an approval$"):
        decide_approval(CodePipeline(None), "deploy", True, "ok")


def test_pending_approval_in_a_status() -> None:
    status = {"stages": [{"name": "Staging", "actions": [{"name": "Deploy", "status": "Succeeded", "approval": False}]},
                         {"name": "ApproveProd", "actions": [{"name": "Approve", "status": "InProgress", "approval": True}]}]}
    assert pending_approval(status) == ("ApproveProd", "Approve")
    status["stages"][1]["actions"][0]["status"] = "Succeeded"
    assert pending_approval(status) is None
