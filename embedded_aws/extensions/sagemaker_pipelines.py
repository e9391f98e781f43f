"""SageMaker pipeline executions run their definition: jobs, conditions, failures and registrations really happen.

moto 5.2.5 reports every execution ``Succeeded`` at once and runs no step; ListPipelineExecutionSteps is missing.
Here StartPipelineExecution returns an ``Executing`` execution that :mod:`embedded_aws.pipeline_engine` runs as
the pipeline's role (which SageMaker must be able to assume): Processing and Training steps create jobs (run by
:mod:`embedded_aws.extensions.sagemaker_jobs`), a ConditionStep picks its branch, a FailStep fails the execution
with its message, RegisterModel creates the model package. Steps are listed with status, times, failure reason and
metadata; execution and step status changes reach EventBridge as SageMaker sends them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError
from moto.core.responses import ActionResult
from moto.events.models import events_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import get_pipeline_execution_from_arn, get_pipeline_from_name

from embedded_aws.extensions.base import Extension, Patcher, Workers
from embedded_aws.extensions.sagemaker_jobs import SESSION_NAME, check_role
from embedded_aws.jobs.s3_data import DataError, read_text
from embedded_aws.pipeline_engine.api_shapes import request_for
from embedded_aws.pipeline_engine.executor import PipelineRun, StepOutcome, StepRecord
from embedded_aws.pipeline_engine.expressions import ExpressionError
from embedded_aws.pipeline_engine.graph import read, typed_parameters
from embedded_aws.role_session import RoleSession

logger = logging.getLogger(__name__)
EXECUTION_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Status Change"
STEP_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Step Status Change"
JOB_OPERATIONS = {"processing": ("CreateProcessingJob", "describe_processing_job", "ProcessingJob", "ProcessingJobStatus"),
                  "training": ("CreateTrainingJob", "describe_training_job", "TrainingJob", "TrainingJobStatus")}
POLL_SECONDS = 0.2


class SageMakerStepRunner:
    """Steps as the pipeline's role: jobs created and followed through the SageMaker API, packages registered."""

    def __init__(self, role_arn: str, region: str, cancel: threading.Event) -> None:
        session = RoleSession.of(role_arn, region, SESSION_NAME)
        self.sagemaker, self.s3 = session.client("sagemaker"), session.client("s3")
        self.cancel = cancel

    def run_job(self, kind: str, request: dict[str, Any]) -> StepOutcome:
        operation, describe, label, status_key = JOB_OPERATIONS[kind]
        name_key = f"{label}Name"
        try:
            arn = getattr(self.sagemaker, f"create_{kind}_job")(**request_for("sagemaker", operation, request))[f"{label}Arn"]
        except ClientError as exc:
            return StepOutcome(False, failure_reason=_client_error(exc))
        metadata = {label: {"Arn": arn}}
        while True:
            described = getattr(self.sagemaker, describe)(**{name_key: request[name_key]})
            status = described[status_key]
            if status in ("Completed", "Failed", "Stopped"):
                break
            if self.cancel.is_set() and status == "InProgress":
                getattr(self.sagemaker, f"stop_{kind}_job")(**{name_key: request[name_key]})
            time.sleep(POLL_SECONDS)
        described.pop("ResponseMetadata", None)
        if status == "Stopped":
            return StepOutcome(False, described, metadata, stopped=True)
        reason = described.get("FailureReason") or (None if status == "Completed" else f"{label} {status.lower()}")
        return StepOutcome(status == "Completed", described, metadata, reason)

    def register_model(self, request: dict[str, Any]) -> StepOutcome:
        try:
            arn = self.sagemaker.create_model_package(**request_for("sagemaker", "CreateModelPackage", request))["ModelPackageArn"]
            described = self.sagemaker.describe_model_package(ModelPackageName=arn)
        except ClientError as exc:
            return StepOutcome(False, failure_reason=_client_error(exc))
        described.pop("ResponseMetadata", None)
        return StepOutcome(True, described, {"RegisterModel": {"Arn": arn}})

    def read_s3(self, uri: str) -> str:
        try:
            return read_text(self.s3, uri)
        except DataError as exc:
            raise ExpressionError(str(exc)) from exc


def _client_error(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}"


#: Runs by execution ARN (what ListPipelineExecutionSteps shows); their threads are :data:`WORKERS`'.
RUNS: dict[str, PipelineRun] = {}
_lock = threading.Lock()
WORKERS = Workers("pipeline")


class _ExecutionEvents:
    def __init__(self, backend: SageMakerModelBackend, pipeline: Any, execution: Any) -> None:
        self.backend, self.pipeline, self.execution = backend, pipeline, execution
        self.previous: dict[str, str] = {}

    def put(self, detail_type: str, detail: dict[str, Any]) -> None:
        events_backends[self.backend.account_id][self.backend.region_name].put_events([{
            "Source": "aws.sagemaker", "DetailType": detail_type, "Resources": [self.pipeline.arn, self.execution.arn],
            "Detail": json.dumps(detail, default=str)}])

    def execution_status(self, previous: str | None) -> None:
        execution = self.execution
        detail = {"pipelineArn": self.pipeline.arn, "pipelineExecutionArn": execution.arn,
                  "pipelineExecutionDisplayName": execution.pipeline_execution_display_name,
                  "currentPipelineExecutionStatus": execution.pipeline_execution_status,
                  "executionStartTime": execution.start_time.isoformat(),
                  "pipelineExecutionDescription": execution.pipeline_execution_description or ""}
        if previous:
            detail["previousPipelineExecutionStatus"] = previous
        if execution.pipeline_execution_status in ("Succeeded", "Failed", "Stopped"):
            detail["executionEndTime"] = execution.last_modified_time.isoformat()
        self.put(EXECUTION_DETAIL_TYPE, detail)

    def step(self, record: StepRecord | None) -> None:
        if record is None:
            return
        detail: dict[str, Any] = {"pipelineArn": self.pipeline.arn, "pipelineExecutionArn": self.execution.arn,
                                  "stepName": record.name, "stepType": record.type, "currentStepStatus": record.status,
                                  "stepStartTime": record.started.isoformat(), "metadata": record.metadata}
        if record.name in self.previous:
            detail["previousStepStatus"] = self.previous[record.name]
        if record.ended:
            detail["stepEndTime"] = record.ended.isoformat()
        if record.failure_reason:
            detail["failureReason"] = record.failure_reason
        self.previous[record.name] = record.status
        self.put(STEP_DETAIL_TYPE, detail)


def _finish(execution: Any, events: _ExecutionEvents, status: str, reason: str | None) -> None:
    previous = execution.pipeline_execution_status
    execution.pipeline_execution_status, execution.pipeline_execution_failure_reason = status, reason
    execution.last_modified_time = datetime.now(timezone.utc)
    events.execution_status(previous)


def start(backend: SageMakerModelBackend, pipeline: Any, execution: Any) -> None:
    """Run ``execution`` of ``pipeline`` in the background."""
    events = _ExecutionEvents(backend, pipeline, execution)
    execution.pipeline_execution_status = "Executing"
    events.execution_status(None)
    try:
        graph = read(execution.pipeline_definition_for_execution)
        parameters = typed_parameters(graph.parameters, {p["Name"]: p["Value"] for p in execution.pipeline_parameters or []})
    except (ExpressionError, ValueError, KeyError) as exc:
        _finish(execution, events, "Failed", f"ClientError: the pipeline definition cannot run: {exc}")
        return
    variables = {"PipelineExecutionId": execution.arn.rsplit("/", 1)[-1], "PipelineExecutionArn": execution.arn,
                 "PipelineName": pipeline.pipeline_name, "PipelineArn": pipeline.arn,
                 "StartDateTime": execution.start_time.isoformat(), "CurrentDateTime": datetime.now(timezone.utc).isoformat()}
    parallelism = int((execution.parallelism_configuration or {}).get("MaxParallelExecutionSteps") or 50)

    def work(cancel: threading.Event) -> None:
        try:
            run = PipelineRun(graph, parameters, variables, SageMakerStepRunner(pipeline.role_arn, backend.region_name, cancel),
                              on_change=events.step, parallelism=parallelism, stop_requested=cancel)
            with _lock:
                RUNS[execution.arn] = run
            status, reason = run.run()
        except Exception as exc:
            logger.exception("pipeline execution %s crashed", execution.arn)
            status, reason = "Failed", f"InternalServerError: embedded AWS error: {exc!r}"
        _finish(execution, events, status, reason)

    WORKERS.start_cancellable(execution.arn, work)


def stop_all(timeout: float = 30.0) -> None:
    WORKERS.stop_all(timeout)
    with _lock:
        RUNS.clear()


def _step_row(record: StepRecord) -> dict[str, Any]:
    row: dict[str, Any] = {"StepName": record.name, "StepDisplayName": record.name, "StartTime": record.started,
                           "StepStatus": record.status, "AttemptCount": 1, "Metadata": record.metadata}
    if record.ended:
        row["EndTime"] = record.ended
    if record.failure_reason:
        row["FailureReason"] = record.failure_reason
    return row


class _Backend:
    @staticmethod
    def start_pipeline_execution(self: SageMakerModelBackend, pipeline_name: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        pipeline = get_pipeline_from_name(self.pipelines, pipeline_name)
        check_role(pipeline.role_arn)
        result = _ORIGINAL_START(self, pipeline_name, *args, **kwargs)
        start(self, pipeline, pipeline.pipeline_executions[result["PipelineExecutionArn"]])
        return result

    @staticmethod
    def describe_pipeline_execution(self: SageMakerModelBackend, pipeline_execution_arn: str) -> dict[str, Any]:
        described = _ORIGINAL_DESCRIBE(self, pipeline_execution_arn)
        execution = get_pipeline_execution_from_arn(self.pipelines, pipeline_execution_arn)
        reason = execution.pipeline_execution_failure_reason
        if reason:
            described["FailureReason"] = reason
        else:
            described.pop("FailureReason", None)
        return dict(described)

    @staticmethod
    def list_pipeline_executions(self: SageMakerModelBackend, pipeline_name: str) -> dict[str, Any]:
        listed = _ORIGINAL_LIST(self, pipeline_name)
        for summary in listed["PipelineExecutionSummaries"]:
            if summary.get("PipelineExecutionFailureReason") in ("None", None, ""):
                summary.pop("PipelineExecutionFailureReason", None)
        listed["PipelineExecutionSummaries"].sort(key=lambda s: s["StartTime"], reverse=True)
        return dict(listed)


class _Api:
    @staticmethod
    def list_pipeline_execution_steps(self: Any) -> ActionResult:
        arn = self._get_param("PipelineExecutionArn")
        get_pipeline_execution_from_arn(self.sagemaker_backend.pipelines, arn)  # moto's error for an unknown execution
        order = self._get_param("SortOrder") or "Descending"
        if order not in ("Ascending", "Descending"):
            raise ValidationError(message=f"1 validation error detected: Value '{order}' at 'sortOrder' failed to satisfy "
                                          "constraint: Member must satisfy enum value set: [Ascending, Descending]")
        with _lock:
            run = RUNS.get(arn)
        records = list(run.records) if run else []
        rows = sorted((_step_row(r) for r in records), key=lambda row: row["StartTime"], reverse=order == "Descending")
        return ActionResult({"PipelineExecutionSteps": rows})

    @staticmethod
    def stop_pipeline_execution(self: Any) -> ActionResult:
        arn = self._get_param("PipelineExecutionArn")
        execution = get_pipeline_execution_from_arn(self.sagemaker_backend.pipelines, arn)
        if execution.pipeline_execution_status == "Executing" and WORKERS.running(arn):
            execution.pipeline_execution_status = "Stopping"
            WORKERS.stop(arn)
        return ActionResult({"PipelineExecutionArn": arn})


_ORIGINAL_START = SageMakerModelBackend.start_pipeline_execution
_ORIGINAL_DESCRIBE = SageMakerModelBackend.describe_pipeline_execution
_ORIGINAL_LIST = SageMakerModelBackend.list_pipeline_executions


class PipelineExecutions(Extension):
    name = "sagemaker-pipeline-executions"
    summary = ("Pipeline executions run their definition (jobs, conditions, Fail, RegisterModel, property files) as the "
               "pipeline role, list their steps and emit status events, instead of succeeding at once")
    requires = ("sagemaker-jobs",)

    def install(self, patcher: Patcher) -> None:
        patcher.replace_methods(SageMakerModelBackend, _Backend)
        patcher.replace_methods(SageMakerResponse, _Api)

    def reset(self) -> None:
        stop_all()

    def shutdown(self) -> None:
        stop_all()
