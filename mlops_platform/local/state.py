"""The state file of a running embedded AWS: endpoint, region, account ids and keys, pid."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mlops_platform.errors import LocalNotRunningError

STATE_FILE = "local.json"
LOG_FILE = "local.log"


@dataclass(frozen=True)
class LocalState:
    endpoint_url: str
    region: str
    accounts: dict[str, dict[str, str]]
    pid: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LocalState:
        return cls(endpoint_url=data["endpoint_url"], region=data["region"], accounts=data["accounts"], pid=data.get("pid"))

    def to_dict(self) -> dict[str, Any]:
        return {"endpoint_url": self.endpoint_url, "region": self.region, "accounts": self.accounts, "pid": self.pid}

    def answers(self, timeout: float = 2.0) -> bool:
        """Whether a server answers at ``endpoint_url``."""
        try:
            return requests.get(f"{self.endpoint_url}/moto-api/config", timeout=timeout).ok
        except requests.RequestException:
            return False


def state_path(directory: Path) -> Path:
    return directory / STATE_FILE


def save_state(directory: Path, state: LocalState) -> Path:
    """Write the state file atomically, readable by its owner only (it holds keys)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = state_path(directory)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_dict(), indent=2))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def load_state(directory: Path) -> LocalState | None:
    path = state_path(directory)
    if not path.exists():
        return None
    return LocalState.from_dict(json.loads(path.read_text()))


def running_state(directory: Path) -> LocalState:
    """The state of a server that answers; :class:`LocalNotRunningError` otherwise."""
    state = load_state(directory)
    if state is None:
        raise LocalNotRunningError(f"no embedded AWS is running (no {state_path(directory)}); start one with: mlops local up --background")
    if not state.answers():
        raise LocalNotRunningError(f"the embedded AWS at {state.endpoint_url} does not answer; "
                                   "restart it with: mlops local down && mlops local up --background")
    return state


def clear_state(directory: Path) -> None:
    state_path(directory).unlink(missing_ok=True)
