"""The one wait helper: done at once, done later, timed out with the last observation, never sleeping past the deadline."""

from __future__ import annotations

import pytest

from mlops_runtime.waiting import Clock, poll


class FakeClock:
    def __init__(self) -> None:
        self.time, self.sleeps = 100.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    def clock(self) -> Clock:
        return Clock(now=lambda: self.time, sleep=self.sleep)


def test_returns_the_first_observation_that_is_done_without_sleeping() -> None:
    fake = FakeClock()
    assert poll(lambda: "READY", lambda s: s == "READY", timeout=10, interval=2, on_timeout=RuntimeError, clock=fake.clock()) == "READY"
    assert fake.sleeps == []


def test_sleeps_the_interval_between_observations_until_done() -> None:
    fake, answers = FakeClock(), iter(["PENDING", "PENDING", "READY"])
    assert poll(lambda: next(answers), lambda s: s == "READY", timeout=10, interval=2, on_timeout=RuntimeError,
                clock=fake.clock()) == "READY"
    assert fake.sleeps == [2, 2]


def test_gives_up_at_the_deadline_with_the_last_observation_and_never_sleeps_past_it() -> None:
    fake, seen = FakeClock(), iter(range(100))
    with pytest.raises(TimeoutError, match="still 3"):
        poll(lambda: next(seen), lambda n: False, timeout=5, interval=2, on_timeout=lambda n: TimeoutError(f"still {n}"),
             clock=fake.clock())
    assert fake.sleeps == [2, 2, 1] and fake.time == 105


def test_an_error_while_observing_ends_the_wait_at_once() -> None:
    fake = FakeClock()

    def observe() -> str:
        raise KeyError("gone")

    with pytest.raises(KeyError):
        poll(observe, lambda s: True, timeout=10, interval=1, on_timeout=RuntimeError, clock=fake.clock())
    assert fake.sleeps == []
