"""Start and stop the embedded AWS as a background process (``python -m embedded_aws serve``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from mlops_platform.local.state import LOG_FILE, LocalState, clear_state, load_state, state_path
from mlops_runtime import waiting
from mlops_runtime.errors import ConfigError, MlopsError

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


def start_background(directory: Path, port: int, host: str = "127.0.0.1") -> LocalState:
    """Spawn the server detached from this terminal and wait until it has written its state file."""
    existing = load_state(directory)
    if existing is not None and existing.answers():
        raise ConfigError(f"an embedded AWS already runs at {existing.endpoint_url} (pid {existing.pid}); stop it with: mlops local down")
    clear_state(directory)
    directory.mkdir(parents=True, exist_ok=True)
    log = open(directory / LOG_FILE, "w")  # noqa: SIM115 (handed to the child)
    process = subprocess.Popen(
        [sys.executable, "-m", "embedded_aws", "serve", "--host", host, "--port", str(port), "--state-file", str(state_path(directory))],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )

    def started() -> LocalState | None:
        state = load_state(directory)
        if state is None and process.poll() is not None:
            message = (directory / LOG_FILE).read_text().strip().splitlines()
            raise ConfigError(message[-1].removeprefix("error: ") if message else f"embedded AWS exited with code {process.returncode}")
        return state

    def gave_up(_: object) -> MlopsError:
        process.kill()
        return MlopsError(f"embedded AWS did not start within {START_TIMEOUT_SECONDS:.0f} s; see {directory / LOG_FILE}")

    state = waiting.poll(started, lambda state: state is not None, timeout=START_TIMEOUT_SECONDS, interval=0.1, on_timeout=gave_up)
    assert state is not None
    return state


def stop_background(directory: Path) -> LocalState | None:
    """Stop the server recorded in the state file; return its state (``None`` if none was recorded)."""
    state = load_state(directory)
    if state is None:
        return None
    if state.pid:
        try:
            os.kill(state.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        else:
            pid = state.pid
            try:
                waiting.poll(lambda: _alive(pid), lambda alive: not alive, timeout=STOP_TIMEOUT_SECONDS, interval=0.1,
                             on_timeout=lambda _: TimeoutError(pid))
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
    clear_state(directory)
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # reap our own child if it is a zombie
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True
