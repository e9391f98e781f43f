"""Notebook instances take time and announce it: Pending → InService, Stopping → Stopped, Deleting.

moto 5.2.5 makes notebooks InService (and Stopped) instantly, emits no EventBridge events, has no
state guards on stop, no ``PlatformIdentifier``, no ``UpdateNotebookInstance``, no
``CreatePresignedNotebookInstanceUrl``, and an outdated instance-type list (no ``ml.g4dn``). Here each transition takes ``TIMINGS`` seconds, emits a
``SageMaker Notebook Instance State Change`` event on the default bus, and the API refuses
transitions from the wrong state with SageMaker's own messages.
"""

from __future__ import annotations

import json
import secrets
import threading
from functools import cache
from typing import Any

import botocore.session
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.events.models import events_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeSagemakerNotebookInstance, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.faults import FAULTS
from embedded_aws.timing import TIMINGS

EVENT_SOURCE = "aws.sagemaker"
EVENT_DETAIL_TYPE = "SageMaker Notebook Instance State Change"
PLATFORM_IDENTIFIERS = ("notebook-al2-v2", "notebook-al2-v3", "notebook-al2023-v1")
RETIRED_PLATFORM_IDENTIFIERS = ("notebook-al1-v1", "notebook-al2-v1")
DEFAULT_PLATFORM_IDENTIFIER = "notebook-al2-v2"
URL_SECONDS = (1800, 43200)


def _epoch_ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def state_change_event(instance: Any) -> dict[str, Any]:
    """The EventBridge entry SageMaker sends for the instance's current status."""
    detail = {
        "NotebookInstanceArn": instance.arn,
        "NotebookInstanceName": instance.notebook_instance_name,
        "NotebookInstanceStatus": instance.status,
        "InstanceType": instance.instance_type,
        "RoleArn": instance.role_arn,
        "KmsKeyId": instance.kms_key_id,
        "DirectInternetAccess": instance.direct_internet_access,
        "VolumeSizeInGB": instance.volume_size_in_gb,
        "NotebookInstanceLifecycleConfigName": instance.lifecycle_config_name,
        "PlatformIdentifier": getattr(instance, "platform_identifier", DEFAULT_PLATFORM_IDENTIFIER),
        "CreationTime": _epoch_ms(instance.creation_time),
        "LastModifiedTime": _epoch_ms(instance.last_modified_time),
        "Tags": {tag["Key"]: tag["Value"] for tag in instance.tags or []},
    }
    return {  # no FailureReason: SageMaker's event does not carry it (DescribeNotebookInstance does)
        "Source": EVENT_SOURCE,
        "DetailType": EVENT_DETAIL_TYPE,
        "Resources": [instance.arn],
        "Detail": json.dumps({k: v for k, v in detail.items() if v is not None}),
    }


def set_status(instance: Any, status: str, failure_reason: str | None = None) -> None:
    """Change the status, stamp the time and announce it on the account's default bus."""
    instance.status = status
    instance.failure_reason = failure_reason
    instance.last_modified_time = utcnow()
    instance.generation = getattr(instance, "generation", 0) + 1
    account_id = instance.arn.split(":")[4]
    events_backends[account_id][instance.region_name].put_events([state_change_event(instance)])


_timers: set[threading.Timer] = set()
_timers_lock = threading.Lock()


def _later(seconds: float, instance: Any, expected: str, action: Any) -> None:
    """Run ``action`` after ``seconds`` if the instance is still ``expected`` (not changed meanwhile)."""
    generation = getattr(instance, "generation", 0)

    def fire() -> None:
        with _timers_lock:
            _timers.discard(timer)
        if instance.status == expected and getattr(instance, "generation", 0) == generation:
            action()

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    with _timers_lock:
        _timers.add(timer)
    timer.start()


def cancel_pending_transitions() -> None:
    """Forget every scheduled transition (a reset must not let old instances announce themselves)."""
    with _timers_lock:
        pending = list(_timers)
        _timers.clear()
    for timer in pending:
        timer.cancel()


def _launch(instance: Any) -> None:
    """Pending now; InService (or Failed for lack of capacity) after ``notebook_pending`` seconds."""
    set_status(instance, "Pending")

    def settle() -> None:
        injected = FAULTS.take_start_failure(instance.notebook_instance_name)
        if FAULTS.capacity_exhausted(instance.instance_type):
            set_status(instance, "Failed", f"InsufficientInstanceCapacity: We currently do not have sufficient "
                                           f"{instance.instance_type} capacity in the Availability Zone you requested")
        elif injected:
            set_status(instance, "Failed", injected)
        else:
            set_status(instance, "InService")

    _later(TIMINGS.notebook_pending, instance, "Pending", settle)


def _require(instance: Any, allowed: tuple[str, ...], target: str) -> None:
    if instance.status not in allowed:
        raise ValidationError(
            message=f"Status ({instance.status}) not in ([{', '.join(allowed)}]). Unable to transition to ({target}) "
                    f"for Notebook Instance ({instance.arn})"
        )


@cache
def notebook_instance_types() -> frozenset[str]:
    """Instance types CreateNotebookInstance accepts, from the SageMaker API model botocore ships."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(model.shape_for("InstanceType").enum)


def validate_instance_type(self: Any, instance_type: str) -> None:
    """Replacement for moto's list, which misses current types such as ml.g4dn.xlarge."""
    if instance_type not in notebook_instance_types():
        raise ValidationError(message=f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: "
                                      f"Member must satisfy enum value set: [{', '.join(sorted(notebook_instance_types()))}]")


def validate_platform_identifier(value: str | None) -> str:
    if value is None:
        return DEFAULT_PLATFORM_IDENTIFIER
    if value in RETIRED_PLATFORM_IDENTIFIERS:
        raise ValidationError(message=f"PlatformIdentifier {value} is not supported for this service")
    if value not in PLATFORM_IDENTIFIERS:
        raise ValidationError(message=f"Value '{value}' at 'platformIdentifier' failed to satisfy constraint: "
                                      f"Member must satisfy enum value set: [{', '.join(PLATFORM_IDENTIFIERS)}]")
    return value


class _Backend:
    """Replacements for ``SageMakerModelBackend`` notebook methods."""

    @staticmethod
    def start_notebook_instance(self: Any, notebook_instance_name: str) -> None:
        instance = self.get_notebook_instance(notebook_instance_name)
        _require(instance, ("Stopped", "Failed"), "Pending")
        _launch(instance)

    @staticmethod
    def stop_notebook_instance(self: Any, notebook_instance_name: str) -> None:
        instance = self.get_notebook_instance(notebook_instance_name)
        _require(instance, ("InService",), "Stopping")
        set_status(instance, "Stopping")
        _later(TIMINGS.notebook_stopping, instance, "Stopping", lambda: set_status(instance, "Stopped"))

    @staticmethod
    def delete_notebook_instance(self: Any, notebook_instance_name: str) -> None:
        instance = self.get_notebook_instance(notebook_instance_name)
        _require(instance, ("Stopped", "Failed"), "Deleting")
        set_status(instance, "Deleting")

        def gone() -> None:  # SageMaker announces Deleting, never the end: no such status exists
            self.notebook_instances.pop(notebook_instance_name, None)

        _later(TIMINGS.notebook_deleting, instance, "Deleting", gone)

    @staticmethod
    def update_notebook_instance(self: Any, notebook_instance_name: str, changes: dict[str, Any]) -> None:
        instance = self.get_notebook_instance(notebook_instance_name)
        _require(instance, ("Stopped", "Failed"), "Updating")
        if "InstanceType" in changes:
            instance.validate_instance_type(changes["InstanceType"])
            instance.instance_type = changes["InstanceType"]
        if "VolumeSizeInGB" in changes:
            instance.validate_volume_size_in_gb(changes["VolumeSizeInGB"])
            instance.volume_size_in_gb = changes["VolumeSizeInGB"]
        if "PlatformIdentifier" in changes:
            instance.platform_identifier = validate_platform_identifier(changes["PlatformIdentifier"])
        if changes.get("DisassociateLifecycleConfig"):
            instance.lifecycle_config_name = None
        elif "LifecycleConfigName" in changes:
            instance.lifecycle_config_name = changes["LifecycleConfigName"]
        if "RoleArn" in changes:
            instance.role_arn = changes["RoleArn"]
        set_status(instance, "Updating")
        _later(TIMINGS.notebook_updating, instance, "Updating", lambda: set_status(instance, "Stopped"))


class _Api:
    """Additions and replacements on ``SageMakerResponse``."""

    @staticmethod
    def create_notebook_instance(self: Any) -> ActionResult:
        platform = validate_platform_identifier(self._get_param("PlatformIdentifier"))
        result = _ORIGINAL_CREATE(self)
        instance = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        instance.platform_identifier = platform
        return result

    @staticmethod
    def describe_notebook_instance(self: Any) -> ActionResult:
        instance = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        description = instance.to_dict()
        description["PlatformIdentifier"] = getattr(instance, "platform_identifier", DEFAULT_PLATFORM_IDENTIFIER)
        if getattr(instance, "failure_reason", None):
            description["FailureReason"] = instance.failure_reason
        return ActionResult({k: v for k, v in description.items() if v is not None})

    @staticmethod
    def update_notebook_instance(self: Any) -> EmptyResult:
        keys = ("InstanceType", "VolumeSizeInGB", "PlatformIdentifier", "LifecycleConfigName", "DisassociateLifecycleConfig", "RoleArn")
        changes = {key: self._get_param(key) for key in keys if self._get_param(key) is not None}
        self.sagemaker_backend.update_notebook_instance(self._get_param("NotebookInstanceName"), changes)
        return EmptyResult()

    @staticmethod
    def create_presigned_notebook_instance_url(self: Any) -> ActionResult:
        instance = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
        seconds = self._get_param("SessionExpirationDurationInSeconds") or 43200
        low, high = URL_SECONDS
        if not low <= int(seconds) <= high:
            raise ValidationError(message=f"Value '{seconds}' at 'sessionExpirationDurationInSeconds' failed to satisfy "
                                          f"constraint: Member must have value between {low} and {high}")
        token = secrets.token_urlsafe(32)
        return ActionResult({"AuthorizedUrl": f"https://{instance.url}?authToken={token}"})


_ORIGINAL_CREATE = SageMakerResponse.create_notebook_instance


class NotebookLifecycle(Extension):
    name = "sagemaker-notebook-lifecycle"
    summary = ("Notebook instances move Pending→InService/Failed, Stopping→Stopped, Deleting, Updating over time, "
               "emit state-change events, guard transitions, and issue presigned URLs")

    def install(self, patcher: Patcher) -> None:
        # moto's constructor calls start(): that is the launch of a new instance
        patcher.replace(FakeSagemakerNotebookInstance, "start", _launch)
        patcher.replace(FakeSagemakerNotebookInstance, "validate_instance_type", validate_instance_type)
        patcher.replace_methods(SageMakerModelBackend, _Backend)
        patcher.replace_methods(SageMakerResponse, _Api)

    def reset(self) -> None:
        cancel_pending_transitions()

    def shutdown(self) -> None:
        cancel_pending_transitions()
