#!/usr/bin/env python3
"""Stop this notebook instance after IDLE_MINUTES without kernel or terminal activity.

Installed by the on-start script and run every 5 minutes. Activity counts: a busy kernel, a
kernel or a terminal whose last activity is recent. An instance with no kernels and no terminals
is idle since its last activity on the Jupyter server (or since it started).
Standard library only: it runs with the instance's system Python.
"""

from __future__ import annotations

import datetime
import json
import os
import ssl
import subprocess
import sys
import urllib.request

JUPYTER = os.environ.get("JUPYTER_URL", "https://localhost:8443")
METADATA = "/opt/ml/metadata/resource-metadata.json"


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def is_idle(kernels: list[dict], terminals: list[dict], started: datetime.datetime, now: datetime.datetime, idle_minutes: int) -> bool:
    """Idle when nothing is busy and the latest activity is older than ``idle_minutes``."""
    if any(kernel.get("execution_state") == "busy" for kernel in kernels):
        return False
    moments = [parse_time(item["last_activity"]) for item in kernels + terminals if item.get("last_activity")]
    latest = max(moments, default=started)
    return (now - latest).total_seconds() >= idle_minutes * 60


def _get(path: str) -> list[dict]:
    context = ssl._create_unverified_context()  # the local Jupyter server uses a self-signed certificate
    with urllib.request.urlopen(f"{JUPYTER}{path}", context=context, timeout=10) as response:  # noqa: S310 - the notebook's own Jupyter server
        return json.loads(response.read())


def main() -> int:
    idle_minutes = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with open(METADATA, encoding="utf-8") as handle:
        name = json.load(handle)["ResourceName"]
    started = datetime.datetime.fromtimestamp(os.stat(METADATA).st_mtime, tz=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    if is_idle(_get("/api/kernels"), _get("/api/terminals"), started, now, idle_minutes):
        print(f"{name}: idle for {idle_minutes} minutes, stopping", flush=True)
        return subprocess.call(["aws", "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
