"""Clients calling an endpoint: a steady stream of requests, counted by outcome.

During a blue/green deployment this is what lets the rollback alarms see the new fleet: SageMaker only
measures the requests it serves. ``mlops model traffic`` and the demo use it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TrafficReport:
    """What the clients saw: answers and errors by code."""

    sent: int = 0
    answered: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    last_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "answered": self.answered, "errors": dict(self.errors), "last_error": self.last_error}


class Traffic:
    """Send ``bodies`` round-robin to ``endpoint`` at about ``rate`` requests per second until stopped."""

    def __init__(self, runtime: Any, endpoint: str, bodies: list[bytes], rate: float = 20.0, content_type: str = "text/csv") -> None:
        if not bodies:
            raise ValueError("traffic needs at least one request body")
        self.runtime, self.endpoint, self.bodies, self.content_type = runtime, endpoint, bodies, content_type
        self.interval = 1.0 / rate
        self.report = TrafficReport()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send_one(self) -> None:
        body = self.bodies[self.report.sent % len(self.bodies)]
        self.report.sent += 1
        try:
            self.runtime.invoke_endpoint(EndpointName=self.endpoint, Body=body, ContentType=self.content_type)["Body"].read()
            self.report.answered += 1
        except self.runtime.exceptions.ClientError as exc:
            self.report.errors[exc.response["Error"]["Code"]] += 1
            self.report.last_error = exc.response["Error"]["Message"]

    def run_for(self, seconds: float) -> TrafficReport:
        """Send in the calling thread for ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop.is_set():
            self.send_one()
            self._stop.wait(self.interval)
        return self.report

    def __enter__(self) -> Traffic:
        self._thread = threading.Thread(target=self.run_for, args=(float("inf"),), name=f"traffic-{self.endpoint}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


def request_bodies(text: str) -> list[bytes]:
    """One request per non-empty line of a CSV file."""
    return [line.strip().encode() for line in text.splitlines() if line.strip()]
