"""The status handler's one service function: event in, record updated, waiter released."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlops_runtime.environment_types import EnvironmentType
from mlops_runtime.notebooks import statuses
from mlops_runtime.notebooks.events import StatusEvent, parse_event
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.urls import delete_url
from mlops_runtime.notebooks.waits import release_on_change

Clients = Callable[[str], Any]


@dataclass(frozen=True)
class HandledEvent:
    environment_id: str | None
    status: str | None
    released: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"environment_id": self.environment_id, "status": self.status, "released": self.released}


def _reason(parsed: StatusEvent, clients: Clients) -> str | None:
    """The event's failure reason, or, for a failure the event does not explain, the one its vocabulary says where to read."""
    mapping, lookup = parsed.mapping, parsed.mapping.reason_lookup
    targets = {mapping.statuses.get(parsed.source_status)} | {rules.get(parsed.source_status) for rules in mapping.alternate_statuses.values()}
    if parsed.reason or lookup is None or not targets & statuses.BROKEN:
        return parsed.reason
    return lookup.read(clients(lookup.service), parsed.environment_id)


def handle_status_event(event: dict[str, Any], types: dict[str, EnvironmentType], records: EnvironmentRecords,
                        clients: Clients) -> HandledEvent:
    """Apply one EventBridge event to its environment record (never regressing it); a terminated environment's URL
    parameter goes with it."""
    parsed = parse_event(event, types)
    if parsed is None:
        return HandledEvent(None, None)
    change = records.apply_status(parsed.environment_id, parsed.mapping.statuses, parsed.mapping.alternate_statuses,
                                  parsed.source_status, parsed.event_time_ms, _reason(parsed, clients))
    if change is None:
        return HandledEvent(parsed.environment_id, None)
    if change.status == statuses.TERMINATED:
        env_type = types.get(str(change.record.get("environment_type")))
        if env_type is not None and change.record.get("owner"):
            delete_url(clients("ssm"), env_type, str(change.record["owner"]))
    return HandledEvent(parsed.environment_id, change.status, release_on_change(clients("stepfunctions"), records, change))
