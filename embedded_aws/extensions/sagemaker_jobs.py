"""Processing and training jobs run: InProgress while the step code runs, then Completed, Failed or Stopped.

moto 5.2.5 creates every job ``Completed`` at once, runs nothing, and invents a model artifact and a metric. Here
CreateProcessingJob/CreateTrainingJob start the job on this machine (:mod:`embedded_aws.jobs`): data moves with the
job role's credentials (so its S3 and KMS permissions are enforced), the entrypoint runs with the container
conventions, the log goes to CloudWatch Logs (``/aws/sagemaker/ProcessingJobs`` or ``TrainingJobs``), state changes
reach EventBridge. A role SageMaker cannot assume is refused at creation, as is a job name already used.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.events.models import events_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from embedded_aws.extensions.base import Extension, Patcher, Workers
from embedded_aws.iam.principals import trusts_service
from embedded_aws.jobs import container as containers
from embedded_aws.jobs.container import Container
from embedded_aws.jobs.processing import run_processing_job
from embedded_aws.jobs.training import run_training_job
from embedded_aws.json_line_process import LogSink
from embedded_aws.role_session import RoleSession, endpoint_url

logger = logging.getLogger(__name__)
SERVICE_PRINCIPAL = "sagemaker.amazonaws.com"
SESSION_NAME = "SageMaker"
KINDS = {
    "processing": {"jobs": "processing_jobs", "name": "ProcessingJobName", "status": "processing_job_status",
                   "log_group": "/aws/sagemaker/ProcessingJobs", "detail_type": "SageMaker Processing Job State Change"},
    "training": {"jobs": "training_jobs", "name": "TrainingJobName", "status": "training_job_status",
                 "log_group": "/aws/sagemaker/TrainingJobs", "detail_type": "SageMaker Training Job State Change"},
}
JOBS = Workers("sagemaker-job")


class InUse(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = "ResourceInUse"


def check_role(role_arn: str) -> None:
    if not trusts_service(role_arn, SERVICE_PRINCIPAL):
        raise ValidationError(message=f"Could not assume role {role_arn}. Please ensure that the role exists and allows "
                                      f"principal '{SERVICE_PRINCIPAL}' to assume the role.")


class JobLog:
    """The job's output in CloudWatch Logs, stream ``<job>/algo-1-<epoch>``, flushed in batches."""

    def __init__(self, account: str, region: str, group: str, job_name: str) -> None:
        self.sink = LogSink(account, region, group, f"{job_name}/algo-1-{int(time.time())}")
        self.pending: list[str] = []

    def __call__(self, line: str) -> None:
        if line.strip():
            self.pending.append(line)
        if len(self.pending) >= 50:
            self.flush()

    def flush(self) -> None:
        lines, self.pending = self.pending, []
        self.sink.write_lines(lines)


def _announce(kind: str, backend: SageMakerModelBackend, job: Any) -> None:
    detail = json.loads(json.dumps(job.response_object, default=_json_time))
    events_backends[backend.account_id][backend.region_name].put_events([{
        "Source": "aws.sagemaker", "DetailType": KINDS[kind]["detail_type"], "Resources": [job.arn],
        "Detail": json.dumps(detail)}])


def _json_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _transition(job: Any, status: str, message: str) -> None:
    """A training job's secondary status moves on (SecondaryStatusTransitions)."""
    now = _now()
    if job.secondary_status_transitions:
        job.secondary_status_transitions[-1].setdefault("EndTime", now)
    job.secondary_status_transitions.append({"Status": status, "StartTime": now, "StatusMessage": message})
    job.secondary_status = status
    job.last_modified_time = now


def _run(kind: str, backend: SageMakerModelBackend, job: Any, request: dict[str, Any], cancel: threading.Event) -> None:
    name = request[KINDS[kind]["name"]]
    log = JobLog(backend.account_id, backend.region_name, KINDS[kind]["log_group"], name)
    with tempfile.TemporaryDirectory(prefix=f"embedded-{kind}-") as work:
        box = Container(Path(work) / "opt-ml")
        box.root.mkdir()
        session = RoleSession.of(request["RoleArn"], backend.region_name, SESSION_NAME)
        env = containers.environment({}, session.environment(), backend.region_name, endpoint_url())
        s3 = session.client("s3")
        if kind == "processing":
            result = run_processing_job(request, box, s3, env, log, cancel)
            log.flush()
            job.processing_job_status, job.failure_reason, job.exit_message = result.status, result.failure_reason, result.exit_message
            job.processing_end_time = job.last_modified_time = _now()
        else:
            _transition(job, "Downloading", "Downloading input data")
            outcome = run_training_job(request, box, s3, env, log, cancel)
            log.flush()
            _transition(job, {"Completed": "Completed", "Stopped": "Stopped"}.get(outcome.status, "Failed"),
                        outcome.failure_reason or "Training job completed")
            job.secondary_status_transitions[-1]["EndTime"] = _now()
            job.final_metric_data_list = outcome.metrics
            job.model_artifacts = {"S3ModelArtifacts": outcome.model_artifacts} if outcome.model_artifacts else None
            job.failure_reason = outcome.failure_reason
            job.training_end_time = job.last_modified_time = _now()
            job.training_time_in_seconds = job.billable_time_in_seconds = max(
                1, int((job.training_end_time - job.training_start_time).total_seconds()))
            job.training_job_status = outcome.status
    _announce(kind, backend, job)


def launch(kind: str, backend: SageMakerModelBackend, job: Any, request: dict[str, Any]) -> None:
    def work(cancel: threading.Event) -> None:
        try:
            _run(kind, backend, job, request, cancel)
        except Exception as exc:
            logger.exception("%s job %s crashed", kind, job.arn)
            setattr(job, KINDS[kind]["status"], "Failed")
            job.failure_reason = f"InternalServerError: embedded AWS error: {exc!r}"

    JOBS.start_cancellable(job.arn, work)


def _created(kind: str, response: Any, original: Any) -> ActionResult:
    request = json.loads(response.body or "{}")
    backend = response.sagemaker_backend
    name = request.get(KINDS[kind]["name"], "")
    if name in getattr(backend, KINDS[kind]["jobs"]):
        raise InUse(f"Job name must be unique within an AWS account and region, and a job with this name already exists "
                    f"({name})")
    check_role(str(request.get("RoleArn", "")))
    result = original(response)
    job = getattr(backend, KINDS[kind]["jobs"])[name]
    now = _now()
    if kind == "processing":
        job.processing_job_status, job.processing_end_time, job.processing_start_time = "InProgress", None, now
        job.environment = request.get("Environment")
    else:
        job.algorithm_specification = request.get("AlgorithmSpecification") or {}  # moto replaces MetricDefinitions
        job.training_job_status, job.model_artifacts, job.final_metric_data_list = "InProgress", None, []
        job.training_start_time, job.training_end_time, job.failure_reason = now, None, None
        job.secondary_status, job.secondary_status_transitions = "Starting", []
        job.environment = request.get("Environment")
        _transition(job, "Starting", "Preparing the instances for training")
    _announce(kind, backend, job)
    launch(kind, backend, job, request)
    return result


class _Api:
    @staticmethod
    def create_processing_job(self: Any) -> ActionResult:
        return _created("processing", self, _ORIGINAL["create_processing_job"])

    @staticmethod
    def create_training_job(self: Any) -> ActionResult:
        return _created("training", self, _ORIGINAL["create_training_job"])

    @staticmethod
    def stop_processing_job(self: Any) -> EmptyResult:
        return _stop(self, "processing")

    @staticmethod
    def stop_training_job(self: Any) -> EmptyResult:
        return _stop(self, "training")


def _stop(response: Any, kind: str) -> EmptyResult:
    """A running job goes ``Stopping``; its worker ends it ``Stopped``. An unknown job is moto's ValidationException."""
    name = response._get_param(KINDS[kind]["name"])
    job = getattr(response.sagemaker_backend, KINDS[kind]["jobs"]).get(name)
    if job is None:
        getattr(response.sagemaker_backend, f"describe_{kind}_job")(name)  # raises "Could not find ... job"
    elif getattr(job, KINDS[kind]["status"]) == "InProgress":
        setattr(job, KINDS[kind]["status"], "Stopping")
        JOBS.stop(job.arn)
    return EmptyResult()


_ORIGINAL = {"create_processing_job": SageMakerResponse.create_processing_job,
             "create_training_job": SageMakerResponse.create_training_job}


class SageMakerJobs(Extension):
    name = "sagemaker-jobs"
    summary = ("Processing and training jobs run their entrypoint on this machine with the container conventions "
               "(data moved as the job role, logs, events, model artifact, final metrics) instead of completing unseen")

    def install(self, patcher: Patcher) -> None:
        patcher.replace_methods(SageMakerResponse, _Api)

    def reset(self) -> None:
        JOBS.stop_all()

    def shutdown(self) -> None:
        JOBS.stop_all()
