"""User flow: an analyst's notebook from request to termination, through the CLI, on a background embedded AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

MLOPS = str(Path(sys.executable).parent / "mlops")


@pytest.mark.slow
def test_request_refresh_stop_start_terminate(tmp_path: Path) -> None:
    env = {**os.environ, "MLOPS_STATE_DIR": str(tmp_path / "state"), "EMBEDDED_AWS_NOTEBOOK_PENDING": "1"}

    def mlops(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([MLOPS, *args], capture_output=True, text=True, env=env, timeout=300)
        assert not check or result.returncode == 0, result.stderr
        return result

    def status() -> str:
        return json.loads(mlops("notebook", "status", "--user", "ana", "--output", "json").stdout)["status"]

    def until(expected: str) -> None:
        deadline = time.monotonic() + 60
        while status() != expected:
            assert time.monotonic() < deadline, f"never reached {expected}"
            time.sleep(0.5)

    mlops("local", "up", "--background")
    try:
        mlops("analysts", "add", "--user", "ana")
        requested = json.loads(mlops("notebook", "request", "--user", "ana", "--output", "json").stdout)
        assert (requested["status"], requested["notebook_status"]) == ("COMPLETED", "InService")
        first = json.loads(mlops("notebook", "url", "--user", "ana", "--output", "json").stdout)["url"]
        refreshed = json.loads(mlops("notebook", "refresh", "--user", "ana", "--output", "json").stdout)["url"]
        assert refreshed != first
        mlops("notebook", "stop", "--user", "ana")
        until("STOPPED")
        mlops("notebook", "start", "--user", "ana")
        until("COMPLETED")
        mlops("notebook", "terminate", "--user", "ana")
        until("TERMINATED")
        gone = mlops("notebook", "url", "--user", "ana", check=False)
        assert (gone.returncode, gone.stderr) == (4, "error: no notebook URL for 'ana': request a notebook\n")
    finally:
        mlops("local", "down", check=False)
