"""A Lambda execution environment for Python handlers: one process, warm between invocations.

Protocol: one JSON request per line on stdin, one JSON reply per line on the original stdout.
``{"init": "<handler>"}`` is the init phase (import the handler module, as Lambda does before the first
invocation, under its own time limit); any other request is an invocation.
Whatever the handler prints goes to stderr, as Lambda sends it to CloudWatch Logs.
An invocation may carry the function's network reach (``"network"``): its connections are then routed by it
(:mod:`embedded_aws.network.guard`); one that runs out of time waiting on a connection ends as Lambda's timeout does,
and the environment with it.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any, Callable

from embedded_aws.network import guard


class LambdaContext:
    """The attributes and method of the context object the Lambda Python runtime passes."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name: str = request["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = request["function_arn"]
        self.memory_limit_in_mb: int = int(request.get("memory_size", 128))
        self.aws_request_id: str = request["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = self.aws_request_id
        self._deadline = time.monotonic() + float(request.get("timeout", 3))

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """Import ``module.path.function`` as the Lambda runtime does."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)")
    return getattr(importlib.import_module(module_name), function_name)


def serve(reply_stream: Any) -> None:
    handlers: dict[str, Callable[[Any, Any], Any]] = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "init" in request:
                handlers[request["init"]] = load_handler(request["init"])
                reply_stream.write(json.dumps({"initialized": True}) + "\n")
                reply_stream.flush()
                continue
            handler = handlers.get(request["handler"]) or load_handler(request["handler"])
            handlers[request["handler"]] = handler
            guard.INVOCATION.begin(request.get("network"), float(request.get("timeout", 3)))
            result = handler(request["event"], LambdaContext(request))
            reply: dict[str, Any] = {"result": result}
        except guard.InvocationTimedOut as exc:  # Lambda ends the environment with the invocation
            reply_stream.write(json.dumps({"error": {"errorMessage": str(exc), "errorType": "Sandbox.Timedout"}}) + "\n")
            reply_stream.flush()
            raise SystemExit(1) from None
        except Exception as exc:  # noqa: BLE001 - the runtime reports every handler error to the caller
            traceback.print_exc(file=sys.stderr)
            reply = {
                "error": {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            }
        reply_stream.write(json.dumps(reply, default=str) + "\n")
        reply_stream.flush()


def main() -> None:
    reply_stream = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr
    guard.install()
    serve(reply_stream)


if __name__ == "__main__":
    main()
