"""Environment statuses and which ones end a wait."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PENDING = "PENDING"
COMPLETED = "COMPLETED"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
STARTING = "STARTING"
UPDATING = "UPDATING"
FAILED = "FAILED"
START_FAILED = "START_FAILED"
TERMINATING = "TERMINATING"
TERMINATED = "TERMINATED"

#: Statuses that release a provisioning or start wait.
READY = frozenset({COMPLETED})
BROKEN = frozenset({FAILED, START_FAILED})
#: Nothing moves an environment out of these.
FINAL = frozenset({TERMINATED})
#: The error of a console launch the platform refused (its record is FAILED with the reason).
LAUNCH_REFUSED = "LaunchRefused"


def is_closed(record: Mapping[str, Any]) -> bool:
    """Whether no event moves the record any more: a final status, or a refused launch (its notebook, until Service
    Catalog terminates it, is not the platform's)."""
    return record.get("status") in FINAL or (record.get("status") == FAILED and record.get("failure_error") == LAUNCH_REFUSED)
