"""One pipeline execution: steps start when what they wait for has succeeded, independent steps run side by side.

Jobs and registrations go through an injected :class:`StepRunner` (the extension's runs real SageMaker jobs on the
embedded AWS; tests give fakes). Once a step fails, nothing new starts; the running steps finish and the execution is
Failed. A ConditionStep runs the steps of the branch it chose; the other branch never runs (and is not listed).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from embedded_aws.pipeline_engine.conditions import all_hold
from embedded_aws.pipeline_engine.expressions import ExpressionError, Scope, read_path, resolve
from embedded_aws.pipeline_engine.graph import Graph, Step

EXECUTION_FAILURE = "Step failure: One or multiple steps failed."
#: Step types and the Describe operation whose answer becomes the step's properties.
JOB_STEPS = {"Processing": "processing", "Training": "training"}


@dataclass
class StepOutcome:
    """What a runner reports for a step: its properties (what later steps may ``Get``) and metadata."""

    succeeded: bool
    properties: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    failure_reason: str | None = None
    stopped: bool = False  # the step's job was stopped (the execution is being stopped)


class StepRunner(Protocol):
    def run_job(self, kind: str, request: dict[str, Any]) -> StepOutcome:
        """Create the ``processing`` or ``training`` job ``request`` describes and wait for its end."""

    def register_model(self, request: dict[str, Any]) -> StepOutcome:
        """CreateModelPackage with ``request``."""

    def read_s3(self, uri: str) -> str:
        """The text of an S3 object (property files)."""


@dataclass
class StepRecord:
    """One row of ListPipelineExecutionSteps."""

    name: str
    type: str
    status: str = "Executing"
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    ended: datetime | None = None
    failure_reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def job_name(execution_id: str, step: str) -> str:
    """``pipelines-<execution id>-<step>-<random>``, within SageMaker's 63 characters."""
    suffix = uuid.uuid4().hex[:10]
    head = f"pipelines-{execution_id}-{step}"[: 63 - len(suffix) - 1]
    return f"{head.rstrip('-')}-{suffix}"


class PipelineRun:
    """Runs ``graph`` once with ``parameters``; ``on_change`` hears every step and execution status change."""

    def __init__(self, graph: Graph, parameters: dict[str, Any], execution: dict[str, Any], runner: StepRunner,
                 on_change: Callable[[StepRecord | None], None] = lambda _: None, parallelism: int = 50,
                 stop_requested: threading.Event | None = None) -> None:
        self.graph, self.runner, self.on_change, self.parallelism = graph, runner, on_change, parallelism
        self.execution_id = str(execution.get("PipelineExecutionId", uuid.uuid4().hex[:12]))
        self.scope = Scope(parameters=parameters, execution=execution, read_property_file=self._property_file,
                           read_s3=runner.read_s3)
        self.records: list[StepRecord] = []
        self.stop_requested = stop_requested or threading.Event()
        self._lock = threading.Lock()

    # -- the execution ------------------------------------------------------------------------
    def run(self) -> tuple[str, str | None]:
        """``(status, failure reason)``: Succeeded, Failed (with :data:`EXECUTION_FAILURE`) or Stopped."""
        done: dict[str, bool] = {}  # step → succeeded
        chosen: dict[str, str] = {}  # condition → "If" | "Else"
        running: dict[Future[StepOutcome], tuple[Step, StepRecord]] = {}
        failed = False
        with ThreadPoolExecutor(max_workers=max(1, self.parallelism), thread_name_prefix=f"pipeline-{self.execution_id}") as pool:
            while True:
                if not failed and not self.stop_requested.is_set():
                    for step in self._ready(done, chosen, {s.name for s, _ in running.values()}):
                        record = self._record(step)
                        running[pool.submit(self._run_step, step, record)] = (step, record)
                if not running:
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    step, record = running.pop(future)
                    outcome = future.result()
                    self._finish(step, record, outcome)
                    done[step.name] = outcome.succeeded
                    failed = failed or not (outcome.succeeded or outcome.stopped)
                    if step.type == "Condition" and outcome.succeeded:
                        chosen[step.name] = "If" if outcome.properties.get("Outcome") else "Else"
        if failed:
            return "Failed", EXECUTION_FAILURE
        if self.stop_requested.is_set():
            return "Stopped", None
        return "Succeeded", None

    def _ready(self, done: dict[str, bool], chosen: dict[str, str], running: set[str]) -> list[Step]:
        ready = []
        for step in self.graph.steps.values():
            if step.name in done or step.name in running:
                continue
            if step.branch and chosen.get(step.branch[0]) not in (None, step.branch[1]):
                continue  # the condition took the other branch
            if step.branch and step.branch[0] not in chosen:
                continue
            if all(done.get(name) is True for name in step.waits_for):
                ready.append(step)
        return ready

    def _record(self, step: Step) -> StepRecord:
        record = StepRecord(step.name, step.type)
        with self._lock:
            self.records.append(record)
        self.on_change(record)
        return record

    def _finish(self, step: Step, record: StepRecord, outcome: StepOutcome) -> None:
        self.scope.properties[step.name] = outcome.properties
        record.metadata.update(outcome.metadata)
        record.failure_reason = outcome.failure_reason
        record.ended = datetime.now(timezone.utc)
        record.status = "Succeeded" if outcome.succeeded else "Stopped" if outcome.stopped else "Failed"
        self.on_change(record)

    # -- one step ---------------------------------------------------------------------------------
    def _run_step(self, step: Step, record: StepRecord) -> StepOutcome:
        try:
            if step.type == "Condition":
                outcome = all_hold(step.arguments.get("Conditions", []), self.scope)
                return StepOutcome(True, {"Outcome": outcome}, {"Condition": {"Outcome": str(outcome).lower()}})
            if step.type == "Fail":
                message = str(resolve(step.arguments.get("ErrorMessage", ""), self.scope))
                return StepOutcome(False, {}, {"Fail": {"ErrorMessage": message}}, message)
            if step.type in JOB_STEPS:
                request = resolve(step.arguments, self.scope)
                key = "ProcessingJobName" if step.type == "Processing" else "TrainingJobName"
                request[key] = job_name(self.execution_id, step.name)
                return self.runner.run_job(JOB_STEPS[step.type], request)
            if step.type == "RegisterModel":
                request = resolve(step.arguments, self.scope)
                return self.runner.register_model(request)
            return StepOutcome(False, failure_reason=f"ClientError: step type {step.type} is not run by the embedded AWS")
        except ExpressionError as exc:
            return StepOutcome(False, failure_reason=f"ClientError: {exc}")
        except Exception as exc:  # noqa: BLE001 - an emulation error fails the step visibly instead of hanging the execution
            return StepOutcome(False, failure_reason=f"InternalServerError: {type(exc).__name__}: {exc}")

    def _property_file(self, step_name: str, file_name: str) -> str:
        step = self.graph.steps[step_name]
        declared = [f for f in step.definition.get("PropertyFiles", []) if f.get("PropertyFileName") == file_name]
        if not declared:
            raise ExpressionError(f"step {step_name} has no property file {file_name}")
        output = declared[0]["OutputName"]
        uri = read_path(self.scope.properties.get(step_name, {}), ["ProcessingOutputConfig", "Outputs", output, "S3Output", "S3Uri"],
                        f"step {step_name}")
        return self.runner.read_s3(f"{str(uri).rstrip('/')}/{declared[0]['FilePath']}")
