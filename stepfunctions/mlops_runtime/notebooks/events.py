"""Turn EventBridge events into environment status changes, using each type's event mappings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from mlops_runtime.environment_types import EnvironmentType, EventMapping


@dataclass(frozen=True)
class StatusEvent:
    environment_id: str
    source_status: str
    event_time_ms: int
    reason: str | None
    mapping: EventMapping


def locate(document: dict[str, Any], location: str) -> Any:
    """Value at a dotted location (``detail.NotebookInstanceStatus``), ``None`` when absent."""
    value: Any = document
    for part in location.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def epoch_ms(value: Any, fallback: str | None) -> int:
    """Event time in epoch milliseconds from a number (ms) or an ISO-8601 string.

    A time given to the second (EventBridge's ``time``) stands for the end of that second: an event from such a source
    is not taken as older than a millisecond-stamped one of the same second (SageMaker's ``LastModifiedTime``).
    """
    if isinstance(value, (int, float)):
        return int(value)
    text = value if isinstance(value, str) and value else fallback
    if not text:
        return 0
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp() * 1000) + (999 if moment.microsecond == 0 and "." not in text else 0)


def parse_event(event: dict[str, Any], types: dict[str, EnvironmentType]) -> StatusEvent | None:
    """The status event this EventBridge event carries for a known environment type, or ``None``."""
    for env_type in types.values():
        for mapping in env_type.events:
            if not mapping.matches(event):
                continue
            environment_id = locate(event, mapping.instance_id_location)
            status = locate(event, mapping.status_location)
            if not environment_id or not status:
                return None
            return StatusEvent(
                environment_id=str(environment_id),
                source_status=str(status),
                event_time_ms=epoch_ms(locate(event, mapping.time_location), event.get("time")),
                reason=locate(event, mapping.reason_location) if mapping.reason_location else None,
                mapping=mapping,
            )
    return None
