"""Notebook requests: validated against the environment type's product template before anything is created."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from mlops_runtime.environment_types import EnvironmentType
from mlops_runtime.errors import ConfigError


class InvalidRequest(ConfigError):
    """The request breaks a limit of its environment type."""


@dataclass(frozen=True)
class NotebookRequest:
    user: str
    instance_type: str | None = None
    volume_size_gb: int | None = None
    platform_identifier: str | None = None
    #: A backup (``<user>-Notebook_<timestamp>``) restored into the new notebook by its OnCreate script.
    restore_snapshot: str | None = None
    environment_type: str = "sagemaker-notebook"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(name: str, spec: dict[str, Any], value: str) -> None:
    label = {"UserName": "user name", "InstanceType": "instance type", "VolumeSizeInGB": "volume size (GB)",
             "PlatformIdentifier": "platform identifier", "BackupSnapshot": "backup to restore"}.get(name, name)
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        raise InvalidRequest(f"{label} {value!r} is not allowed; choose one of: {', '.join(map(str, spec['AllowedValues']))}")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise InvalidRequest(f"{label} {value!r} is too long: at most {spec['MaxLength']} characters")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        raise InvalidRequest(f"{label} {value!r} is not valid: {spec.get('ConstraintDescription', spec['AllowedPattern'])}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            raise InvalidRequest(f"{label} must be a number, got {value!r}") from None
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise InvalidRequest(f"{label} {value} is out of bounds: {low}-{high}")


def provisioning_parameters(request: NotebookRequest, env_type: EnvironmentType) -> list[dict[str, str]]:
    """Service Catalog ``ProvisioningParameters`` for the request; :class:`InvalidRequest` on any violation."""
    specs = env_type.parameter_specs()
    values = request.to_dict()
    parameters = []
    for field_name, parameter in env_type.request_parameters.items():
        value = values.get(field_name)
        if value is None:
            continue
        _check(parameter, specs[parameter], str(value))
        parameters.append({"Key": parameter, "Value": str(value)})
    return parameters
