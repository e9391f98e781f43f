# Generated from the platform repository by `mlops synth --export-templates`; do not edit.
"""Following a pipeline execution: status changes reported once, failures and timeouts named."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines._executions import wait_for_execution
from pipelines.run_pipeline import _tags


class FakeSageMaker:
    """Answers DescribePipelineExecution from a script of statuses (one per call)."""

    class exceptions:
        from botocore.exceptions import ClientError

    def __init__(self, statuses: list[str], reason: str = "") -> None:
        self.statuses, self.reason, self.calls = list(statuses), reason, 0

    def describe_pipeline_execution(self, PipelineExecutionArn: str) -> dict[str, Any]:
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return {"PipelineExecutionStatus": status, "FailureReason": self.reason}

    def list_pipeline_execution_steps(self, **request: Any) -> dict[str, Any]:
        return {"PipelineExecutionSteps": [{"StepName": "Train", "StepStatus": "Failed", "FailureReason": "OOM",
                                            "StartTime": "t0", "EndTime": "t1"}]}


def test_reports_each_status_once_and_returns_the_failure() -> None:
    seen: list[str] = []
    client = FakeSageMaker(["Executing", "Executing", "Failed"], reason="Step failure: Train")
    result = wait_for_execution(client, "arn:x", poll_seconds=1, progress=seen.append, sleep=lambda _: None)
    assert seen == ["Executing", "Failed"] and not result.succeeded
    assert (result.status, result.failure_reason) == ("Failed", "Step failure: Train")
    assert result.steps == [{"name": "Train", "status": "Failed", "failure_reason": "OOM", "started": "t0", "ended": "t1"}]


def test_polls_start_quick_and_back_off_to_the_poll_interval() -> None:
    waits: list[float] = []
    wait_for_execution(FakeSageMaker(["Executing"] * 8 + ["Succeeded"]), "arn:x", poll_seconds=10, sleep=waits.append)
    assert waits == [2.0, 3.0, 4.5, 6.75, 10, 10, 10, 10]


def test_timeout_names_the_last_status() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(TimeoutError, match=r"execution arn:x still Executing after 60 s"):
        wait_for_execution(FakeSageMaker(["Executing"]), "arn:x", poll_seconds=30, timeout_seconds=60, sleep=sleep,
                           clock=lambda: now[0])


@pytest.mark.parametrize(("text", "expected"), [
    ('{"team": "ds"}', [{"Key": "team", "Value": "ds"}]),
    ('[{"Key": "a", "Value": "b"}]', [{"Key": "a", "Value": "b"}]),
    (None, []),
])
def test_tags_accept_both_shapes(text: str | None, expected: list) -> None:
    assert _tags(text) == expected


def test_tags_reject_other_shapes() -> None:
    with pytest.raises(ValueError, match=r'--tags must be a JSON object or a list of \{"Key": ..., "Value": ...\}'):
        _tags('["a"]')
