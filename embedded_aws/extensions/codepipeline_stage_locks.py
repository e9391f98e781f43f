"""How CodePipeline lets executions through its stages, by the pipeline's execution mode.

As in CodePipeline ("How pipeline executions work"):

* ``SUPERSEDED`` (the default): a stage processes one execution at a time and is locked meanwhile; the stage's
  end, success or failure, unlocks it. One execution waits in front of a locked stage; a more recent one
  arriving there supersedes it, and the superseded execution does not continue.
* ``QUEUED``: stages are locked the same way, and waiting executions enter in the order they arrived.
* ``PARALLEL``: executions run independently; nothing is locked.
"""

from __future__ import annotations

import threading
from enum import Enum


class Entry(Enum):
    """What came of an execution's wait in front of a stage."""

    ENTERED = "entered"
    SUPERSEDED = "superseded"
    STOPPED = "stopped"


class StageLocks:
    """The stage locks of one pipeline."""

    def __init__(self, mode: str = "SUPERSEDED") -> None:
        if mode not in {"SUPERSEDED", "QUEUED", "PARALLEL"}:
            raise ValueError(f"unknown execution mode {mode!r}")
        self.mode = mode
        self._changed = threading.Condition()
        self._holders: dict[str, str] = {}
        self._waiting: dict[str, list[str]] = {}

    def enter(self, stage: str, execution_id: str, stopping: threading.Event, poll_seconds: float = 0.05) -> Entry:
        """Wait in front of ``stage`` until it is free and it is this execution's turn, then lock it."""
        if self.mode == "PARALLEL":
            return Entry.ENTERED
        with self._changed:
            waiting = self._waiting.setdefault(stage, [])
            if self.mode == "SUPERSEDED":
                waiting.clear()  # the execution waiting here, if any, is overtaken
            waiting.append(execution_id)
            self._changed.notify_all()
            while True:
                if execution_id not in waiting:
                    return Entry.SUPERSEDED
                if stopping.is_set():
                    waiting.remove(execution_id)
                    return Entry.STOPPED
                if stage not in self._holders and waiting[0] == execution_id:
                    waiting.pop(0)
                    self._holders[stage] = execution_id
                    return Entry.ENTERED
                self._changed.wait(poll_seconds)

    def leave(self, stage: str, execution_id: str) -> None:
        """The execution is done with ``stage`` (succeeded or failed): unlock it for the next."""
        with self._changed:
            if self._holders.get(stage) == execution_id:
                del self._holders[stage]
            self._changed.notify_all()

    def holder(self, stage: str) -> str | None:
        """The execution processing ``stage`` now, if any."""
        with self._changed:
            return self._holders.get(stage)
