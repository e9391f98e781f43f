"""A processing job: inputs to their local paths, the entrypoint, outputs to S3 at the end (S3UploadMode EndOfJob)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from embedded_aws.jobs import container as containers
from embedded_aws.jobs.container import Container, JobResult
from embedded_aws.jobs.s3_data import DataError, download, upload_folder

ALGORITHM_FAILURE = "AlgorithmError: See job logs for more information"
DEFAULT_MAX_SECONDS = 86400


def run_processing_job(request: dict[str, Any], box: Container, s3: Any, env: dict[str, str], log: Callable[[str], None],
                       cancel: threading.Event) -> JobResult:
    """Run the job ``request`` (CreateProcessingJob's shape) in ``box``."""
    try:
        for item in request.get("ProcessingInputs") or []:
            source = item.get("S3Input")
            if source is None:
                return JobResult("Failed", f"ClientError: input {item.get('InputName')}: only S3 inputs are emulated")
            if source.get("S3InputMode", "File") != "File":
                return JobResult("Failed", f"ClientError: input {item.get('InputName')}: only File mode is emulated")
            local = box.path(source["LocalPath"])
            download(s3, source["S3Uri"], local)
            box.map_code(local)
        outputs = [o for o in (request.get("ProcessingOutputConfig") or {}).get("Outputs") or [] if o.get("S3Output")]
        for output in outputs:
            box.path(output["S3Output"]["LocalPath"]).mkdir(parents=True, exist_ok=True)
        box.path("/opt/ml/output").mkdir(parents=True, exist_ok=True)
    except DataError as exc:
        return JobResult("Failed", f"ClientError: {exc}")
    app = request.get("AppSpecification") or {}
    command = [box.map_text(str(part)) for part in [*(app.get("ContainerEntrypoint") or []), *(app.get("ContainerArguments") or [])]]
    if not app.get("ContainerEntrypoint"):
        return JobResult("Failed", "ClientError: the embedded AWS runs processing jobs whose AppSpecification names a "
                                   "ContainerEntrypoint (it does not pull the image to read its default)")
    variables = {str(k): str(v) for k, v in (request.get("Environment") or {}).items()}
    seconds = float((request.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds") or DEFAULT_MAX_SECONDS)
    box.path("/opt/ml/processing").mkdir(parents=True, exist_ok=True)
    code = containers.run(command, {**env, **variables}, box.root, seconds, log, cancel)
    message_file = box.path("/opt/ml/output/message")
    exit_message = message_file.read_text(errors="replace")[:1024] if message_file.is_file() else None
    if code == "stopped":
        return JobResult("Stopped", exit_message=exit_message)
    if code == "timeout":
        return JobResult("Failed", f"ClientError: MaxRuntimeInSeconds ({seconds:.0f}) exceeded", exit_message)
    if code != 0:
        return JobResult("Failed", ALGORITHM_FAILURE, exit_message)
    try:
        for output in outputs:
            destination = output["S3Output"]
            upload_folder(s3, box.path(destination["LocalPath"]), destination["S3Uri"],
                          (request.get("ProcessingOutputConfig") or {}).get("KmsKeyId"))
    except DataError as exc:
        return JobResult("Failed", f"ClientError: {exc}", exit_message)
    return JobResult("Completed", exit_message=exit_message)
