"""Waiting for a notebook without blocking: task tokens released by events, with a poll fallback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.notebooks import statuses
from mlops_runtime.notebooks.records import EnvironmentRecords, StatusChange

READY, FAILED, WAITING = "READY", "FAILED", "WAITING"
FAILURE_ERROR = "NotebookFailed"


@dataclass(frozen=True)
class Progress:
    state: str
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"state": self.state, "reason": self.reason}


def check_progress(sagemaker: Any, servicecatalog: Any, notebook_name: str, record_id: str | None) -> Progress:
    """Where provisioning stands, from the Service Catalog record and the notebook itself."""
    if record_id:
        detail = servicecatalog.describe_record(Id=record_id)["RecordDetail"]
        if detail["Status"] in ("FAILED", "IN_PROGRESS_IN_ERROR"):
            errors = "; ".join(f"{e.get('Code')}: {e.get('Description')}" for e in detail.get("RecordErrors", []))
            return Progress(FAILED, f"Service Catalog provisioning failed: {errors or detail['Status']}")
    try:
        notebook = sagemaker.describe_notebook_instance(NotebookInstanceName=notebook_name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ValidationException":  # SageMaker's "RecordNotFound": not created yet
            return Progress(WAITING)
        raise
    if notebook["NotebookInstanceStatus"] == "InService":
        return Progress(READY)
    if notebook["NotebookInstanceStatus"] == "Failed":
        return Progress(FAILED, notebook.get("FailureReason", "notebook instance failed"))
    return Progress(WAITING)


def release(sfn: Any, records: EnvironmentRecords, environment_id: str, token: str, progress: Progress) -> bool:
    """Resume the waiting execution once: success when ready, ``NotebookFailed`` with the reason otherwise."""
    if progress.state == WAITING or not records.take_task_token(environment_id, token):
        return False
    try:
        if progress.state == READY:
            sfn.send_task_success(taskToken=token, output=json.dumps({"environment_id": environment_id, "state": READY}))
        else:
            sfn.send_task_failure(taskToken=token, error=FAILURE_ERROR, cause=progress.reason[:32000])
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            return False  # the execution stopped waiting (timeout or poll fallback) before we answered
        raise
    return True


def register_waiter(records: EnvironmentRecords, sagemaker: Any, servicecatalog: Any, sfn: Any,
                    environment_id: str, notebook_name: str, record_id: str | None, token: str) -> Progress:
    """Store the execution's task token, then release it at once if the notebook already settled."""
    records.set_task_token(environment_id, token)
    progress = check_progress(sagemaker, servicecatalog, notebook_name, record_id)
    release(sfn, records, environment_id, token, progress)
    return progress


def release_on_change(sfn: Any, records: EnvironmentRecords, change: StatusChange) -> bool:
    """After a status event: resume a waiting execution if the new status ends the wait."""
    token = change.record.get("task_token")
    if not token:
        return False
    if change.status in statuses.READY:
        return release(sfn, records, change.environment_id, token, Progress(READY))
    if change.status in statuses.BROKEN:
        return release(sfn, records, change.environment_id, token, Progress(FAILED, change.record.get("failure_reason", change.status)))
    return False
