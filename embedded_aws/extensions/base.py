"""What an extension is, and the reversible patching every extension uses."""

from __future__ import annotations

import abc
import threading
import time
import types
from collections.abc import Callable
from typing import Any

_MISSING = object()


class Patcher:
    """Replaces attributes on moto's classes and modules and can put the originals back."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []
        self._undo_callbacks: list[Callable[[], None]] = []

    def replace(self, owner: Any, name: str, value: Any) -> Any:
        """Set ``owner.name = value``; return the previous attribute (``None`` when there was none)."""
        raw = vars(owner).get(name, _MISSING) if isinstance(owner, (type, types.ModuleType)) else _MISSING
        previous = getattr(owner, name, None)
        self._saved.append((owner, name, raw))
        setattr(owner, name, value)
        return previous

    def replace_methods(self, owner: Any, holder: type) -> None:
        """Set every ``staticmethod`` defined on ``holder`` as the method of that name on ``owner``."""
        for name, method in vars(holder).items():
            if isinstance(method, staticmethod):
                self.replace(owner, name, method.__func__)

    def on_undo(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the patches are undone (for registrations that are not attributes)."""
        self._undo_callbacks.append(callback)

    def undo(self) -> None:
        """Restore every replaced attribute, newest first."""
        while self._undo_callbacks:
            self._undo_callbacks.pop()()
        while self._saved:
            owner, name, raw = self._saved.pop()
            if raw is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, raw)


class Extension(abc.ABC):
    """One behaviour the platform needs from AWS that moto 5.2.5 lacks or gets wrong."""

    #: Short identifier, used by ``embedded_aws.extensions.disabled(name)``.
    name: str = ""
    #: One line saying what real AWS does that moto does not.
    summary: str = ""
    #: Names of extensions this one builds on (installed first).
    requires: tuple[str, ...] = ()

    @abc.abstractmethod
    def install(self, patcher: Patcher) -> None:
        """Patch moto through ``patcher`` (so that the patch can be removed)."""

    def reset(self) -> None:  # noqa: B027 - an optional hook: extensions with nothing to reset or stop inherit this
        """Forget state kept outside moto's backends (called on ``/moto-api/reset``)."""

    def shutdown(self) -> None:  # noqa: B027 - an optional hook: extensions with nothing to reset or stop inherit this
        """Release processes or threads the extension started."""


class Workers:
    """Background threads of one extension, keyed by what they work on, stopped together on reset or shutdown.

    A worker checks :attr:`stopping` between steps and ends when it is set; one started with :meth:`start_cancellable`
    watches its own event instead, set by :meth:`stop` (one item, e.g. StopBuild) or :meth:`stop_all`.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.stopping = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._cancels: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def start_cancellable(self, key: str, work: Callable[[threading.Event], None]) -> threading.Thread:
        """Run ``work(cancel)`` like :meth:`start`; ``cancel`` is set when this item or every item is stopped."""
        cancel = threading.Event()
        with self._lock:
            self._cancels[key] = cancel

        def run() -> None:
            try:
                work(cancel)
            finally:
                with self._lock:
                    if self._cancels.get(key) is cancel:
                        del self._cancels[key]

        return self.start(key, run)

    def stop(self, key: str) -> None:
        """Ask the item ``key`` (started with :meth:`start_cancellable`) to stop."""
        with self._lock:
            cancel = self._cancels.get(key)
        if cancel is not None:
            cancel.set()

    def start(self, key: str, target: Callable[[], None]) -> threading.Thread:
        """Run ``target`` in a daemon thread registered under ``key`` until it returns."""

        def run() -> None:
            try:
                target()
            finally:
                with self._lock:
                    if self._threads.get(key) is threading.current_thread():
                        del self._threads[key]

        thread = threading.Thread(target=run, name=f"{self.kind}-{key}", daemon=True)
        with self._lock:
            self._threads[key] = thread
        thread.start()
        return thread

    def running(self, key: str) -> bool:
        with self._lock:
            thread = self._threads.get(key)
        return thread is not None and thread.is_alive()

    def stop_all(self, timeout: float = 10.0) -> None:
        """Ask every worker to stop and wait for them, at most ``timeout`` seconds in all."""
        self.stopping.set()
        with self._lock:
            running = list(self._threads.values())
            for cancel in self._cancels.values():
                cancel.set()
        deadline = time.monotonic() + timeout
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.stopping.clear()
