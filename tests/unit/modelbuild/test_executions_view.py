"""How the CLI shows an execution's steps: durations, running steps, failures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mlops_platform.modelbuild.executions import duration, step_rows

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


def test_durations_read_as_seconds_or_minutes_and_are_empty_while_running() -> None:
    assert duration(T0, T0 + timedelta(seconds=7.24)) == "7.2s"
    assert duration(T0, T0 + timedelta(seconds=65)) == "1m 05s"
    assert duration(T0, None) == ""


def test_rows_keep_the_order_and_the_failure() -> None:
    steps = [{"name": "Preprocess", "status": "Succeeded", "failure_reason": None, "started": T0, "ended": T0 + timedelta(seconds=3)},
             {"name": "Train", "status": "Failed", "failure_reason": "AlgorithmError: boom", "started": T0, "ended": None}]
    assert step_rows(steps) == [
        {"name": "Preprocess", "status": "Succeeded", "duration": "3.0s", "failure_reason": None},
        {"name": "Train", "status": "Failed", "duration": "", "failure_reason": "AlgorithmError: boom"}]
