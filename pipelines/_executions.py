"""Upsert a pipeline definition, start it and follow the execution (boto3 only, so seed repos need nothing else)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TERMINAL = {"Succeeded", "Failed", "Stopped"}


@dataclass(frozen=True)
class ExecutionResult:
    arn: str
    status: str
    failure_reason: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


def pipeline_exists(sagemaker: Any, name: str) -> bool:
    try:
        sagemaker.describe_pipeline(PipelineName=name)
    except sagemaker.exceptions.ClientError as exc:
        error = exc.response["Error"]
        # SageMaker answers ResourceNotFound; moto answers ValidationException "Could not find pipeline".
        if error["Code"] == "ResourceNotFound" or "Could not find" in error.get("Message", ""):
            return False
        raise
    return True


def upsert_pipeline(sagemaker: Any, name: str, definition: str, role_arn: str, description: str = "",
                    tags: list[dict[str, str]] | None = None) -> tuple[str, bool]:
    """Create the pipeline, or update its definition if it exists; returns (arn, created)."""
    if not pipeline_exists(sagemaker, name):
        arn = sagemaker.create_pipeline(PipelineName=name, PipelineDefinition=definition, RoleArn=role_arn,
                                        PipelineDescription=description, Tags=tags or [])["PipelineArn"]
        return arn, True
    arn = sagemaker.update_pipeline(PipelineName=name, PipelineDefinition=definition, RoleArn=role_arn,
                                    PipelineDescription=description)["PipelineArn"]
    return arn, False


def start_execution(sagemaker: Any, name: str, parameters: dict[str, Any] | None = None, display_name: str | None = None) -> str:
    """Start ``name`` with parameter overrides (checked against the definition first); returns the execution ARN."""
    overrides = parameters or {}
    declared = {p["Name"] for p in json.loads(sagemaker.describe_pipeline(PipelineName=name)["PipelineDefinition"]).get("Parameters", [])}
    unknown = sorted(set(overrides) - declared)
    if unknown:
        raise ValueError(f"unknown pipeline parameter(s) {', '.join(unknown)}; the pipeline declares {', '.join(sorted(declared))}")
    request: dict[str, Any] = {"PipelineName": name,
                               "PipelineParameters": [{"Name": k, "Value": str(v)} for k, v in sorted(overrides.items())]}
    if display_name:
        request["PipelineExecutionDisplayName"] = display_name
    return sagemaker.start_pipeline_execution(**request)["PipelineExecutionArn"]


def execution_steps(sagemaker: Any, arn: str) -> list[dict[str, Any]]:
    """The execution's steps (name, status, failure reason, start and end), oldest first."""
    steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")["PipelineExecutionSteps"]
    return [{"name": s["StepName"], "status": s["StepStatus"], "failure_reason": s.get("FailureReason"),
             "started": s.get("StartTime"), "ended": s.get("EndTime")} for s in steps]


def describe_execution(sagemaker: Any, arn: str) -> ExecutionResult:
    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    return ExecutionResult(arn, described["PipelineExecutionStatus"], described.get("FailureReason"), execution_steps(sagemaker, arn))


def wait_for_execution(sagemaker: Any, arn: str, poll_seconds: float = 30, timeout_seconds: float = 7200,
                       progress: Callable[[str], None] = lambda _: None, sleep: Callable[[float], None] = time.sleep,
                       clock: Callable[[], float] = time.monotonic) -> ExecutionResult:
    """Poll until the execution ends; a timeout is a :class:`TimeoutError` naming the last status.

    Polls start 2 s apart and back off to ``poll_seconds``, so a step that fails at once is reported at once."""
    deadline = clock() + timeout_seconds
    last = ""
    interval = min(2.0, poll_seconds)
    while True:
        status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        if status != last:
            progress(status)
            last = status
        if status in TERMINAL:
            return describe_execution(sagemaker, arn)
        if clock() >= deadline:
            raise TimeoutError(f"execution {arn} still {status} after {timeout_seconds:.0f} s")
        sleep(interval)
        interval = min(poll_seconds, interval * 1.5)
