"""Environment types as data: each is a folder with ``type.json`` and its product template.

Adding a type means adding a folder; the catalog, the validator and the status handler read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TYPES_DIR = Path(__file__).resolve().parent
#: SSM-typed parameters of a product template are the platform's settings; their defaults name SSM parameters under
#: ``/<project>/...`` and are written for this project, rendered for any other (:meth:`EnvironmentType.template_for`).
TEMPLATE_PROJECT = "mlops"
SSM_TYPE_PREFIX = "AWS::SSM::Parameter::Value<"
#: What a platform setting holds when the platform sets nothing (SSM has no empty parameters).
UNSET = "none"


@dataclass(frozen=True)
class ReasonLookup:
    """Where the failure reason is read when an event does not carry it (SageMaker's state change events do not)."""

    service: str  # boto3 client name
    operation: str  # client method
    parameter: str  # the parameter naming the environment's resource
    location: str  # dotted location of the reason in the answer

    def read(self, client: Any, resource_name: str) -> str | None:
        from mlops_runtime.notebooks.events import locate

        answer = getattr(client, self.operation)(**{self.parameter: resource_name})
        found = locate(answer, self.location)
        return str(found) if found else None


@dataclass(frozen=True)
class EventMapping:
    """How one kind of EventBridge event tells an environment's status (SWB-style locations).

    A vocabulary names its source and detail types, where the status, the environment id, the time and (when the
    event carries one) the failure reason are, and how its statuses map to the platform's.
    """

    source: str
    detail_types: tuple[str, ...]
    status_location: str
    instance_id_location: str
    time_location: str
    statuses: dict[str, str]
    alternate_statuses: dict[str, dict[str, str | None]]
    reason_location: str | None = None
    reason_lookup: ReasonLookup | None = None

    def matches(self, event: dict[str, Any]) -> bool:
        return event.get("source") == self.source and event.get("detail-type") in self.detail_types

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventMapping:
        types = data.get("detail_types") or [data["detail_type"]]
        lookup = data.get("reason_lookup")
        return cls(source=data["source"], detail_types=tuple(types), status_location=data["status_location"],
                   instance_id_location=data["instance_id_location"], time_location=data["time_location"],
                   statuses=data["statuses"], alternate_statuses=data.get("alternate_statuses") or {},
                   reason_location=data.get("reason_location"), reason_lookup=ReasonLookup(**lookup) if lookup else None)


@dataclass(frozen=True)
class EnvironmentType:
    name: str
    description: str
    folder: Path
    product_name: str
    product_version: str
    template_file: str
    resource_name_format: str
    url_parameter_format: str
    request_parameters: dict[str, str]
    events: tuple[EventMapping, ...]

    def resource_name(self, user: str) -> str:
        """Name of the environment's main resource (the notebook instance), also the environment id."""
        return self.resource_name_format.format(user=user)

    def url_parameter(self, user: str) -> str:
        return self.url_parameter_format.format(user=user)

    @property
    def template_path(self) -> Path:
        return self.folder / self.template_file

    def template(self) -> dict[str, Any]:
        return json.loads(self.template_path.read_text())

    def parameter_specs(self) -> dict[str, dict[str, Any]]:
        """The product template's parameter declarations (the single source of limits)."""
        return self.template()["Parameters"]

    def platform_settings(self, project: str = TEMPLATE_PROJECT) -> dict[str, str]:
        """The parameters the platform sets (SSM-typed: never the requester) and the SSM parameter each one reads."""
        return {name: _for_project(str(spec["Default"]), project) for name, spec in self.parameter_specs().items()
                if str(spec.get("Type", "")).startswith(SSM_TYPE_PREFIX)}

    def template_for(self, project: str) -> dict[str, Any]:
        """The product template whose platform settings read ``project``'s SSM parameters."""
        template = self.template()
        for name, parameter in self.platform_settings(project).items():
            template["Parameters"][name]["Default"] = parameter
        return template


def _for_project(parameter: str, project: str) -> str:
    head, _, rest = parameter.lstrip("/").partition("/")
    if head != TEMPLATE_PROJECT:
        raise ValueError(f"a platform setting's default must be /{TEMPLATE_PROJECT}/..., got {parameter!r}")
    return f"/{project}/{rest}"


def _load(folder: Path) -> EnvironmentType:
    data = json.loads((folder / "type.json").read_text())
    return EnvironmentType(
        name=data["name"],
        description=data["description"],
        folder=folder,
        product_name=data["product"]["name"],
        product_version=data["product"]["version"],
        template_file=data["product"]["template"],
        resource_name_format=data["resource_name"],
        url_parameter_format=data["url_parameter"],
        request_parameters=data["request_parameters"],
        events=tuple(EventMapping.from_dict(mapping) for mapping in data["events"]),
    )


@cache
def all_types() -> dict[str, EnvironmentType]:
    """Every environment type shipped with the platform, by name."""
    types = (_load(folder) for folder in sorted(TYPES_DIR.iterdir()) if (folder / "type.json").exists())
    return {t.name: t for t in types}


def get_type(name: str) -> EnvironmentType:
    try:
        return all_types()[name]
    except KeyError:
        raise KeyError(f"unknown environment type {name!r}; known: {', '.join(all_types())}") from None
