"""StageLocks: which execution enters a stage, by execution mode."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from embedded_aws.extensions.codepipeline_stage_locks import Entry, StageLocks

NEVER = threading.Event()


def _wait_in_front(pool: ThreadPoolExecutor, locks: StageLocks, execution_id: str, stopping: threading.Event = NEVER) -> Future[Entry]:
    return pool.submit(locks.enter, "Deploy", execution_id, stopping, 0.01)


def _settle(future: Future[Entry]) -> None:
    """Give a waiting execution time to reach its wait (it must still be waiting after)."""
    with pytest.raises(TimeoutError):
        future.result(timeout=0.1)


def test_a_free_stage_is_entered_and_locked() -> None:
    locks = StageLocks()
    assert locks.enter("Deploy", "a", NEVER) is Entry.ENTERED
    assert locks.holder("Deploy") == "a"
    locks.leave("Deploy", "a")
    assert locks.holder("Deploy") is None


def _two_waiting(pool: ThreadPoolExecutor, locks: StageLocks) -> tuple[Future[Entry], Future[Entry]]:
    """``a`` holds the stage; ``b`` arrives in front of it, then ``c``."""
    locks.enter("Deploy", "a", NEVER)
    second = _wait_in_front(pool, locks, "b")
    _settle(second)
    return second, _wait_in_front(pool, locks, "c")


def test_superseded_the_newer_waiting_execution_overtakes_the_older() -> None:
    locks = StageLocks("SUPERSEDED")
    with ThreadPoolExecutor(2) as pool:
        second, third = _two_waiting(pool, locks)
        assert second.result(timeout=5) is Entry.SUPERSEDED
        _settle(third)
        locks.leave("Deploy", "a")
        assert third.result(timeout=5) is Entry.ENTERED
    assert locks.holder("Deploy") == "c"


def test_queued_waiting_executions_enter_in_arrival_order() -> None:
    locks = StageLocks("QUEUED")
    with ThreadPoolExecutor(2) as pool:
        second, third = _two_waiting(pool, locks)
        _settle(third)
        locks.leave("Deploy", "a")
        assert second.result(timeout=5) is Entry.ENTERED
        _settle(third)
        locks.leave("Deploy", "b")
        assert third.result(timeout=5) is Entry.ENTERED


def test_parallel_nothing_is_locked() -> None:
    locks = StageLocks("PARALLEL")
    assert locks.enter("Deploy", "a", NEVER) is Entry.ENTERED
    assert locks.enter("Deploy", "b", NEVER) is Entry.ENTERED
    assert locks.holder("Deploy") is None


def test_stages_are_locked_independently() -> None:
    locks = StageLocks()
    assert locks.enter("Build", "a", NEVER) is Entry.ENTERED
    assert locks.enter("Deploy", "b", NEVER) is Entry.ENTERED


def test_a_waiting_execution_stops_with_the_emulator() -> None:
    locks, stopping = StageLocks(), threading.Event()
    locks.enter("Deploy", "a", NEVER)
    with ThreadPoolExecutor(1) as pool:
        waiting = _wait_in_front(pool, locks, "b", stopping)
        _settle(waiting)
        stopping.set()
        assert waiting.result(timeout=5) is Entry.STOPPED
    locks.leave("Deploy", "a")
    assert locks.enter("Deploy", "c", NEVER) is Entry.ENTERED  # the stopped one no longer waits in front


def test_only_the_holder_unlocks_a_stage() -> None:
    locks = StageLocks()
    locks.enter("Deploy", "a", NEVER)
    locks.leave("Deploy", "b")
    assert locks.holder("Deploy") == "a"


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown execution mode 'SERIAL'"):
        StageLocks("SERIAL")
