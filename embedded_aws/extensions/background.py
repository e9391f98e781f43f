"""Work the embedded AWS does after answering (builds, jobs): one thread per item, each stoppable, all stoppable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class BackgroundWork:
    """Threads by key; ``work(cancel)`` should return soon after ``cancel`` is set."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._running: dict[str, tuple[threading.Thread, threading.Event]] = {}
        self._lock = threading.Lock()

    def start(self, key: str, work: Callable[[threading.Event], None], name: str) -> None:
        cancel = threading.Event()

        def run() -> None:
            try:
                work(cancel)
            finally:
                with self._lock:
                    self._running.pop(key, None)

        thread = threading.Thread(target=run, name=f"{self.prefix}-{name}", daemon=True)
        with self._lock:
            self._running[key] = (thread, cancel)
        thread.start()

    def stop(self, key: str) -> None:
        with self._lock:
            found = self._running.get(key)
        if found:
            found[1].set()

    def stop_all(self, timeout: float = 15.0) -> None:
        """Ask every item to stop and wait up to ``timeout`` seconds for them (reset or shutdown)."""
        with self._lock:
            running = list(self._running.values())
        for _, cancel in running:
            cancel.set()
        deadline = time.monotonic() + timeout
        for thread, _ in running:
            thread.join(max(0.0, deadline - time.monotonic()))
