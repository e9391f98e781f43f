"""The status handler's one service function: event in, record updated, waiter released."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlops_runtime.environment_types import EnvironmentType
from mlops_runtime.notebooks.events import parse_event
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.waits import release_on_change


@dataclass(frozen=True)
class HandledEvent:
    environment_id: str | None
    status: str | None
    released: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"environment_id": self.environment_id, "status": self.status, "released": self.released}


def handle_status_event(event: dict[str, Any], types: dict[str, EnvironmentType], records: EnvironmentRecords, sfn: Any) -> HandledEvent:
    """Apply one EventBridge event to its environment record (never regressing it)."""
    parsed = parse_event(event, types)
    if parsed is None:
        return HandledEvent(None, None)
    change = records.apply_status(parsed.environment_id, parsed.mapping.statuses, parsed.mapping.alternate_statuses,
                                  parsed.source_status, parsed.event_time_ms, parsed.reason)
    if change is None:
        return HandledEvent(parsed.environment_id, None)
    return HandledEvent(parsed.environment_id, change.status, release_on_change(sfn, records, change))
