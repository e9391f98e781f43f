"""The job's "container": a root folder for ``/opt/ml``, this machine's Python, the role's credentials.

No image is pulled: the entrypoint runs with the interpreter the embedded AWS runs on (its packages stand in for
the image's). Paths the definition and the code channels spell as ``/opt/ml/...`` are mapped to the job's root: in
the entrypoint and its arguments, and in the job's code files (``*.py``, ``*.sh``) as they are downloaded. A path
computed at run time (``os.path.join("/opt", "ml")``) is not mapped — the one convention this cannot honour.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONTAINER_ROOT = "/opt/ml"
CODE_SUFFIXES = (".py", ".sh")


@dataclass
class JobResult:
    """How a job ended: Completed, Failed or Stopped, and what it leaves behind."""

    status: str
    failure_reason: str | None = None
    exit_message: str | None = None  # processing: /opt/ml/output/message
    model_artifacts: str | None = None  # training: the model.tar.gz URI
    metrics: list[dict[str, Any]] = field(default_factory=list)  # training: FinalMetricDataList


@dataclass(frozen=True)
class Container:
    root: Path

    def path(self, container_path: str) -> Path:
        """Where ``/opt/ml/...`` lives for this job."""
        if not container_path.startswith(CONTAINER_ROOT):
            raise ValueError(f"{container_path} is not under {CONTAINER_ROOT}")
        return self.root / container_path[len(CONTAINER_ROOT):].lstrip("/")

    def map_text(self, text: str) -> str:
        return text.replace(CONTAINER_ROOT, str(self.root))

    def map_code(self, folder: Path) -> None:
        """Map ``/opt/ml`` in the code files under ``folder`` (downloaded code channels)."""
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in CODE_SUFFIXES:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                if CONTAINER_ROOT in text:
                    path.write_text(self.map_text(text), encoding="utf-8", errors="surrogateescape")


def environment(variables: dict[str, str], credentials: dict[str, str], region: str, endpoint_url: str) -> dict[str, str]:
    """The process environment: this Python first on PATH, the role's session, the embedded endpoint, ``variables``."""
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TMPDIR")}
    env.update({
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": endpoint_url,
        "PYTHONUNBUFFERED": "1", "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", **credentials,
    })
    env.update(variables)
    return env


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float, log: Callable[[str], None],
        cancel: threading.Event) -> int | str:
    """Run ``command``; its output goes to ``log`` line by line. Exit code, or ``"timeout"`` / ``"stopped"``."""
    if not command:
        raise ValueError("the job has no entrypoint")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    output = process.stdout
    assert output is not None

    def pump() -> None:
        for line in output:
            log(line.rstrip("\n"))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    started = time.monotonic()
    while process.poll() is None:
        if cancel.is_set() or time.monotonic() - started > timeout:
            os.killpg(process.pid, 9)
            process.wait()
            reader.join(5)
            return "stopped" if cancel.is_set() else "timeout"
        time.sleep(0.05)
    reader.join(5)
    return process.returncode
