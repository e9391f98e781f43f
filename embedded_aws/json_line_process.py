"""A warm helper process spoken to in JSON lines: Lambda execution environments and model containers."""

from __future__ import annotations

import json
import logging
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.logs.models import logs_backends

logger = logging.getLogger(__name__)


class LogSink:
    """Appends a helper process's output, line by line, to one CloudWatch Logs stream of an account."""

    def __init__(self, account_id: str, region: str, group: str, stream: str) -> None:
        self.backend = logs_backends[account_id][region]
        self.group, self.stream = group, stream

    def write(self, line: str) -> None:
        self.write_lines([line.rstrip("\n")])

    def write_lines(self, lines: list[str]) -> None:
        """Append ``lines`` as one batch of events (now); nothing when empty. Never raises: logging must not break the work."""
        if not lines:
            return
        try:
            if self.group not in self.backend.groups:
                self.backend.create_log_group(self.group, {})
            self.backend.ensure_log_stream(self.group, self.stream)
            now = int(time.time() * 1000)
            self.backend.put_log_events(self.group, self.stream, [{"timestamp": now, "message": line} for line in lines])
        except Exception:
            logger.debug("could not store log lines of %s", self.group, exc_info=True)


class ReplyTimeout(Exception):
    """The process did not answer within the time allowed (it has been stopped)."""


class JsonLineProcess:
    """``python -m <module>`` answering one JSON line per request; its stderr goes line by line to ``log``."""

    def __init__(self, module: str, cwd: str, env: dict[str, str], log: Callable[[str], None]) -> None:
        self.lock = threading.Lock()
        self.process = subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd, env=env, text=True)
        threading.Thread(target=self._forward, args=(log,), daemon=True).start()

    def _forward(self, log: Callable[[str], None]) -> None:
        assert self.process.stderr
        for line in self.process.stderr:
            log(line)

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send ``message``, return the reply; :class:`ReplyTimeout` or RuntimeError (the process exited)."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.stop()
            raise ReplyTimeout(f"Task timed out after {timeout:.2f} seconds")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"Runtime exited with code {self.process.wait()}")
        return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
