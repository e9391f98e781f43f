"""One way to wait for AWS: observe, stop when done, give up at a deadline — on a clock the caller may replace."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Clock:
    """Monotonic time and sleep; tests pass a fake one so no wait takes real time."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


REAL_CLOCK = Clock()


def poll(observe: Callable[[], T], done: Callable[[T], bool], *, timeout: float, interval: float,
         on_timeout: Callable[[T], Exception], clock: Clock = REAL_CLOCK) -> T:
    """Call ``observe`` until ``done`` holds for what it returns, and return that.

    Observes once more at the deadline, never sleeps past it, and raises ``on_timeout(last observation)`` when the
    time is up. An error raised by ``observe`` or ``done`` ends the wait at once.
    """
    deadline = clock.now() + timeout
    while True:
        observed = observe()
        if done(observed):
            return observed
        remaining = deadline - clock.now()
        if remaining <= 0:
            raise on_timeout(observed)
        clock.sleep(min(interval, remaining))
