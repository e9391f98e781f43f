"""Client of a running embedded AWS's fault API (``<endpoint>/_embedded/faults``, see ``embedded_aws.extensions.fault_injection``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from mlops_runtime.errors import ConfigError, MlopsError


class FaultApi:
    """Puts faults in force on the embedded AWS at ``endpoint_url``, lists and clears them."""

    def __init__(self, endpoint_url: str, timeout: float = 10.0) -> None:
        self.url = f"{endpoint_url.rstrip('/')}/_embedded/faults"
        self.timeout = timeout

    def _call(self, method: str, kind: str = "", body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/{kind}" if kind else self.url, data=data, method=method,  # noqa: S310 - the embedded AWS's own URL
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 - the embedded AWS on loopback
                return dict(json.loads(answer.read()))
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            if exc.code == 404:
                raise MlopsError("this embedded AWS has no fault API (the fault-injection extension is off)") from exc
            raise ConfigError(str(detail)) from exc
        except urllib.error.URLError as exc:
            raise MlopsError(f"the embedded AWS at {self.url} does not answer ({exc.reason}): is `mlops local up` running?") from exc

    def list(self) -> dict[str, Any]:
        return self._call("GET")

    def clear(self) -> dict[str, Any]:
        return self._call("DELETE")

    def exhaust_capacity(self, instance_type: str) -> dict[str, Any]:
        return self._call("POST", "capacity", {"instance_type": instance_type})

    def throttle(self, service: str, operation: str, times: int) -> dict[str, Any]:
        return self._call("POST", "throttle", {"service": service, "operation": operation, "times": times})

    def fail_notebook_start(self, notebook: str, reason: str | None) -> dict[str, Any]:
        return self._call("POST", "notebook-start", {"notebook": notebook, **({"reason": reason} if reason else {})})
