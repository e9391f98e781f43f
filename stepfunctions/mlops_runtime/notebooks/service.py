"""Notebook environments for the CLI and APIs: request, list, status, URL, start, stop, terminate."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime import waiting
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.environment_types import EnvironmentType, get_type
from mlops_runtime.errors import ConfigError, MlopsError
from mlops_runtime.notebooks import statuses
from mlops_runtime.notebooks.reconcile import reconcile
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.requests import InvalidRequest, NotebookRequest, provisioning_parameters
from mlops_runtime.notebooks.urls import SESSION_SECONDS, IssuedUrl, Now, current_url, delete_url, issue_url, utcnow
from mlops_runtime.notebooks.validation import expand_request, require_known_user

Progress = Callable[[str], None]
NOTEBOOK_TYPE = "sagemaker-notebook"


class NotebookNotFound(MlopsError):
    exit_code = 4


class InvalidTransition(ConfigError):
    """The environment's status does not allow the action (stop a stopped notebook, ...)."""


class ProvisioningFailed(MlopsError):
    pass


@dataclass(frozen=True)
class NotebookPlatform:
    """Names of the deployed platform resources, from the tooling stack's outputs."""

    state_machine_arn: str
    table_name: str
    key_arn: str
    session_seconds: int = SESSION_SECONDS

    @classmethod
    def from_outputs(cls, outputs: ToolingOutputs) -> NotebookPlatform:
        return cls(outputs.notebook_provisioning_state_machine_arn, outputs.environment_table_name, outputs.artifacts_key_arn,
                   int(outputs.notebook_session_seconds or SESSION_SECONDS))


class NotebookService:
    """Operations on analysts' notebooks, through clients of the tooling account."""

    def __init__(self, client: Callable[[str], Any], platform: NotebookPlatform, now: Now = utcnow) -> None:
        self.client = client
        self.platform = platform
        self.now = now
        self.records = EnvironmentRecords(client("dynamodb"), platform.table_name)
        self.env_type: EnvironmentType = get_type(NOTEBOOK_TYPE)

    # -- provisioning ---------------------------------------------------------------------
    def request(self, request: NotebookRequest, wait: bool = True, progress: Progress = lambda _: None,
                timeout: float = 3600.0) -> dict[str, Any]:
        """Validate (nothing is created on bad input), start provisioning, optionally wait for the URL."""
        expanded = expand_request(request.to_dict())
        require_known_user(self.client("iam"), request.user)
        sfn = self.client("stepfunctions")
        try:
            execution_arn = sfn.start_execution(stateMachineArn=self.platform.state_machine_arn, name=request.request_id,
                                                input=json.dumps(request.to_dict()))["executionArn"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            execution_arn = f"{self.platform.state_machine_arn.replace(':stateMachine:', ':execution:')}:{request.request_id}"
        progress(f"provisioning {expanded['notebook_name']} (request {request.request_id})")
        if not wait:
            return {"request_id": request.request_id, "execution_arn": execution_arn, "environment_id": expanded["environment_id"]}
        execution = self._wait(execution_arn, expanded["environment_id"], progress, timeout)
        if execution["status"] != "SUCCEEDED":
            raise ProvisioningFailed(f"notebook request {request.request_id} {execution['status']}: "
                                     f"{execution.get('error', '')}: {execution.get('cause', '')}".rstrip(": "))
        return {"request_id": request.request_id, "execution_arn": execution_arn, **self.status(request.user)}

    def _wait(self, execution_arn: str, environment_id: str, progress: Progress, timeout: float) -> dict[str, Any]:
        sfn, seen = self.client("stepfunctions"), [""]

        def observe() -> dict[str, Any]:
            execution = sfn.describe_execution(executionArn=execution_arn)
            status = (self.records.get(environment_id) or {}).get("status", "")
            if status != seen[-1]:
                seen.append(status)
                progress(f"{environment_id}: {status}")
            return execution

        return waiting.poll(observe, lambda execution: execution["status"] != "RUNNING", timeout=timeout, interval=0.5,
                            on_timeout=lambda _: ProvisioningFailed(f"still provisioning after {timeout:.0f} s; "
                                                                    "follow it with: mlops notebook status"))

    # -- reading --------------------------------------------------------------------------
    def list(self, owner: str | None = None) -> builtins.list[dict[str, Any]]:
        records = self.records.by_owner(owner) if owner else self.records.all()
        return [self._public(r) for r in sorted(records, key=lambda r: r["environment_id"])]

    def status(self, user: str) -> dict[str, Any]:
        record = self._record(user)
        result = self._public(record)
        try:
            notebook = self.client("sagemaker").describe_notebook_instance(NotebookInstanceName=record["environment_id"])
            result["notebook_status"] = notebook["NotebookInstanceStatus"]
            result["instance_type"] = notebook["InstanceType"]
        except ClientError:
            result["notebook_status"] = None
        return result

    def follow(self, user: str, timeout: float = 3600.0, progress: Progress = lambda _: None) -> dict[str, Any]:
        """Wait for the user's notebook launched elsewhere (the Service Catalog console) to be adopted and ready: its
        status, or :class:`ProvisioningFailed` with the recorded reason (a refused launch included)."""
        environment_id, seen = self.env_type.resource_name(user), [""]

        def observe() -> str:
            status = str((self.records.get(environment_id) or {}).get("status", ""))
            if status != seen[-1]:
                seen.append(status)
                progress(f"{environment_id}: {status or 'not adopted yet'}")
            return status

        ended = waiting.poll(observe, lambda status: status in (statuses.COMPLETED, statuses.FAILED), timeout=timeout, interval=0.5,
                             on_timeout=lambda status: ProvisioningFailed(
                                 f"{environment_id} is {status or 'not adopted'} after {timeout:.0f} s"))
        if ended == statuses.FAILED:
            raise ProvisioningFailed(f"{environment_id} FAILED: {(self.records.get(environment_id) or {}).get('failure_reason', '')}")
        return self.status(user)

    def url(self, user: str) -> IssuedUrl:
        """A URL of the user's running notebook that can still be opened: the stored one while it is fresh, else a new
        one (a presigned notebook URL opens the notebook for five minutes after its issue)."""
        record = self.records.get(self.env_type.resource_name(user))
        if record is None or record.get("status") in (statuses.TERMINATING, statuses.TERMINATED):
            raise NotebookNotFound(f"no notebook URL for {user!r}: request a notebook")
        self._require(user, {statuses.COMPLETED}, "read the URL of")
        return current_url(self.client("sagemaker"), self.client("ssm"), self.env_type, user, self.platform.key_arn,
                           self.platform.session_seconds, self.now)

    # -- lifecycle ------------------------------------------------------------------------
    def refresh(self, user: str) -> IssuedUrl:
        """A new URL for the user's running notebook."""
        self._require(user, {statuses.COMPLETED}, "refresh the URL of")
        return issue_url(self.client("sagemaker"), self.client("ssm"), self.env_type, user, self.platform.key_arn,
                         self.platform.session_seconds, self.now)

    def stop(self, user: str) -> dict[str, Any]:
        record = self._require(user, {statuses.COMPLETED}, "stop")
        self.client("sagemaker").stop_notebook_instance(NotebookInstanceName=record["environment_id"])
        return self._public(record)

    def start(self, user: str) -> dict[str, Any]:
        record = self._require(user, {statuses.STOPPED, statuses.START_FAILED}, "start")
        self.client("sagemaker").start_notebook_instance(NotebookInstanceName=record["environment_id"])
        return self._public(record)

    def migrate(self, user: str, platform_identifier: str, progress: Progress = lambda _: None, timeout: float = 1800.0) -> dict[str, Any]:
        """Move the notebook to another platform (e.g. AL2 → AL2023) keeping its EBS volume.

        Stop → UpdateNotebookInstance(PlatformIdentifier) → start → new URL. The volume with
        /home/ec2-user/SageMaker survives the update, so no backup/restore round trip is needed;
        the shipped backup lifecycle script still snapshots it hourly for safety.
        """
        provisioning_parameters(NotebookRequest(user=user, platform_identifier=platform_identifier), self.env_type)
        record = self._require(user, {statuses.COMPLETED, statuses.STOPPED}, "migrate")
        name, sagemaker = record["environment_id"], self.client("sagemaker")
        current = sagemaker.describe_notebook_instance(NotebookInstanceName=name).get("PlatformIdentifier")
        if current == platform_identifier:
            raise InvalidRequest(f"{name} already runs on {platform_identifier}")
        if record["status"] == statuses.COMPLETED:
            progress(f"stopping {name}")
            sagemaker.stop_notebook_instance(NotebookInstanceName=name)
        self._await_notebook(name, "Stopped", timeout)
        progress(f"updating {name}: {current} → {platform_identifier}")
        sagemaker.update_notebook_instance(NotebookInstanceName=name, PlatformIdentifier=platform_identifier)
        self._await_notebook(name, "Stopped", timeout)
        progress(f"starting {name}")
        sagemaker.start_notebook_instance(NotebookInstanceName=name)
        self._await_notebook(name, "InService", timeout)
        self._await_record(name, statuses.COMPLETED, timeout)
        issue_url(sagemaker, self.client("ssm"), self.env_type, user, self.platform.key_arn, self.platform.session_seconds, self.now)
        return {**self.status(user), "platform_identifier": platform_identifier, "previous_platform_identifier": current}

    def _await_notebook(self, name: str, status: str, timeout: float) -> None:
        sagemaker = self.client("sagemaker")

        def unexpected(current: str) -> ProvisioningFailed:
            return ProvisioningFailed(f"{name} is {current}, expected {status}")

        current = waiting.poll(lambda: sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"],
                               lambda current: current in (status, "Failed"), timeout=timeout, interval=0.5, on_timeout=unexpected)
        if current != status:  # Failed: it will not get there
            raise unexpected(current)

    def _await_record(self, environment_id: str, status: str, timeout: float) -> None:
        waiting.poll(lambda: (self.records.get(environment_id) or {}).get("status"), lambda current: current == status,
                     timeout=timeout, interval=0.5,
                     on_timeout=lambda _: ProvisioningFailed(f"{environment_id} did not reach {status} within {timeout:.0f} s"))

    def terminate(self, user: str, timeout: float = 1800.0) -> dict[str, Any]:
        """Remove the URL parameter and the provisioned product (which deletes the notebook), and wait for the product to
        be gone: TERMINATED, or FAILED with Service Catalog's reason."""
        record = self._record(user)
        if record["status"] in (statuses.TERMINATING, statuses.TERMINATED):
            raise InvalidTransition(f"cannot terminate {record['environment_id']}: it is already {record['status']}")
        if record["status"] in (statuses.PENDING, statuses.STARTING, statuses.STOPPING, statuses.UPDATING):
            raise InvalidTransition(f"cannot terminate {record['environment_id']} while it is {record['status']}; try again when it settles")
        environment_id = record["environment_id"]
        delete_url(self.client("ssm"), self.env_type, user)
        self.records.set_status(environment_id, statuses.TERMINATING)
        sc = self.client("servicecatalog")
        try:
            terminated = sc.terminate_provisioned_product(ProvisionedProductName=environment_id,
                                                          TerminateToken=f"terminate-{record['request_id']}")["RecordDetail"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            self.records.set_status(environment_id, statuses.TERMINATED)  # nothing was provisioned
            return self._public(self._record(user))
        # SageMaker announces Deleting, never an end: the terminate record tells it (the reconciler catches a lost wait)
        settled = waiting.poll(lambda: sc.describe_record(Id=terminated["RecordId"])["RecordDetail"],
                               lambda detail: detail["Status"] in ("SUCCEEDED", "FAILED"), timeout=timeout, interval=0.5,
                               on_timeout=lambda _: ProvisioningFailed(f"{environment_id} is still terminating after {timeout:.0f} s; "
                                                                       "follow it with: mlops notebook status"))
        if settled["Status"] == "SUCCEEDED":
            self.records.set_status(environment_id, statuses.TERMINATED, only_from=(statuses.TERMINATING,))
        else:
            errors = "; ".join(e.get("Description", "") for e in settled.get("RecordErrors", [])) or "termination failed"
            self.records.set_status(environment_id, statuses.FAILED, reason=errors, only_from=(statuses.TERMINATING,))
        return self._public(self._record(user))

    def reconcile(self) -> builtins.list[dict[str, str]]:
        """Fix records that drifted from their notebooks (what the scheduled reconciler does)."""
        return [drift.to_dict() for drift in reconcile(self.records, self.client("sagemaker"), self.env_type)]

    # -- helpers --------------------------------------------------------------------------
    def _record(self, user: str) -> dict[str, Any]:
        record = self.records.get(self.env_type.resource_name(user))
        if record is None:
            raise NotebookNotFound(f"{user!r} has no notebook environment")
        return record

    def _require(self, user: str, allowed: set[str], action: str) -> dict[str, Any]:
        record = self._record(user)
        if record["status"] not in allowed:
            raise InvalidTransition(f"cannot {action} {record['environment_id']}: it is {record['status']} "
                                    f"(needs {' or '.join(sorted(allowed))})")
        return record

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        hidden = {"task_token"}
        return {k: v for k, v in record.items() if k not in hidden}
