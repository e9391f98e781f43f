"""Environment statuses and which ones end a wait."""

from __future__ import annotations

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
