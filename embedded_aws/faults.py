"""Failures the embedded AWS can be told to produce, as real AWS produces them at random.

Used by tests and demos to exercise failure paths (``InsufficientInstanceCapacity``) without
faking results: the resource really goes through ``Pending`` to ``Failed``.
"""

from __future__ import annotations

import threading


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exhausted: set[str] = set()

    def exhaust_capacity(self, instance_type: str) -> None:
        """From now on, instances of ``instance_type`` fail to launch."""
        with self._lock:
            self._exhausted.add(instance_type)

    def capacity_exhausted(self, instance_type: str) -> bool:
        with self._lock:
            return instance_type in self._exhausted

    def clear(self) -> None:
        with self._lock:
            self._exhausted.clear()


FAULTS = Faults()
