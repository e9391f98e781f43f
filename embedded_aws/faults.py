"""Failures the embedded AWS can be told to produce, as real AWS produces them at random.

Tests, demos and users of a running embedded AWS exercise failure paths with them, without faking results: a notebook
really goes through ``Pending`` to ``Failed``, a throttled call really answers the service's throttling error.

* **capacity** — instances of an instance type fail to launch (``InsufficientInstanceCapacity``), until cleared;
* **throttle** — the next ``times`` calls of one operation of one service answer ``ThrottlingException``
  (``Throttling`` in the query-protocol services), as AWS does under load;
* **notebook start** — the next start (or launch) of one notebook instance fails with the given reason.

The same faults are reachable over HTTP on a running server (:mod:`embedded_aws.extensions.fault_injection`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

#: What a throttled call says, as AWS says it.
THROTTLED = "Rate exceeded"
#: What a failed notebook start says unless told otherwise.
START_FAILED = "InternalFailure: the notebook instance failed to start (injected fault)"


@dataclass
class Throttle:
    service: str  # the SDK's service name (``sagemaker``, ``servicecatalog``, ``ssm``...)
    operation: str  # the API operation (``CreateNotebookInstance``)
    remaining: int

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation, "remaining": self.remaining}


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exhausted: set[str] = set()
        self._throttles: list[Throttle] = []
        self._starts: dict[str, str] = {}

    def exhaust_capacity(self, instance_type: str) -> None:
        """From now on, instances of ``instance_type`` fail to launch."""
        with self._lock:
            self._exhausted.add(instance_type)

    def capacity_exhausted(self, instance_type: str) -> bool:
        with self._lock:
            return instance_type in self._exhausted

    def throttle(self, service: str, operation: str, times: int) -> None:
        """The next ``times`` calls of ``service``'s ``operation`` are throttled (added to any throttling already set)."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._throttles.append(Throttle(service.lower(), operation, times))

    def take_throttle(self, service: str, operation: str) -> bool:
        """Whether this call is throttled (it uses up one of the throttled calls)."""
        with self._lock:
            for throttle in self._throttles:
                if throttle.service == service.lower() and throttle.operation == operation and throttle.remaining > 0:
                    throttle.remaining -= 1
                    if throttle.remaining == 0:
                        self._throttles.remove(throttle)
                    return True
        return False

    def fail_notebook_start(self, notebook: str, reason: str = START_FAILED) -> None:
        """The next launch or start of ``notebook`` ends ``Failed`` with ``reason``."""
        with self._lock:
            self._starts[notebook] = reason

    def take_start_failure(self, notebook: str) -> str | None:
        """The reason the notebook's launch fails now (used up), or ``None``."""
        with self._lock:
            return self._starts.pop(notebook, None)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"capacity": sorted(self._exhausted), "throttles": [t.to_dict() for t in self._throttles],
                    "notebook_starts": [{"notebook": n, "reason": r} for n, r in sorted(self._starts.items())]}

    def clear(self) -> None:
        with self._lock:
            self._exhausted.clear()
            self._throttles.clear()
            self._starts.clear()


FAULTS = Faults()
