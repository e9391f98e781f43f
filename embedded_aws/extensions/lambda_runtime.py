"""Python Lambda functions run their deployed code, in warm worker processes, with their own role.

moto without Docker only echoes the payload back; handler code never runs. Here the function's
code zip is unpacked, its handler runs in a separate Python process whose environment holds the
function's variables, credentials of its execution role and the embedded endpoint. What the
handler writes goes to the function's CloudWatch log group ``/aws/lambda/<name>``, as in Lambda.
The function's published layers are unpacked too; each one's ``python/`` folder comes on the import
path after the function's code and before the runtime's packages, as ``/opt/python`` does in Lambda.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import get_backend
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.sts.models import sts_backends

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.lambda_public_layers import is_public_layer
from embedded_aws.json_line_process import JsonLineProcess, LogSink, ReplyTimeout

WORKER_MODULE = "embedded_aws.lambda_worker"


#: Lambda's limit for the init phase (runtime start and handler import), separate from the function's timeout.
INIT_TIMEOUT_SECONDS = 10.0


def _no_network(fn: Any, account_id: str, region: str) -> dict[str, Any] | None:
    return None


#: The function's network reach for this invocation (``None``: not restricted); the ``lambda-vpc-networking``
#: extension decides it from the function's VPC configuration.
network_reach: Callable[[Any, str, str], dict[str, Any] | None] = _no_network


class FunctionTimeout(Exception):
    """The handler ran longer than the function's timeout."""


class Worker:
    """One warm execution environment for one version of one function."""

    def __init__(self, code_dir: str, env: dict[str, str], sink: LogSink) -> None:
        self.initialized = False
        self.environment = JsonLineProcess(WORKER_MODULE, code_dir, env, sink.write)
        self.lock = self.environment.lock

    def initialize(self, handler: str) -> dict[str, Any] | None:
        """The init phase (start and handler import) under Lambda's own 10 s limit; an error reply if it fails."""
        if self.initialized:
            return None
        try:
            reply = self.invoke({"init": handler}, INIT_TIMEOUT_SECONDS)
        except FunctionTimeout:
            return {"error": {"errorMessage": f"Init timed out after {INIT_TIMEOUT_SECONDS:.2f} seconds", "errorType": "Runtime.InitTimeout"}}
        except RuntimeError as exc:
            return {"error": {"errorMessage": str(exc), "errorType": "Runtime.ExitError"}}
        if "error" in reply:
            self.stop()
            return {"error": {**reply["error"], "errorType": "Runtime.ImportModuleError"}}
        self.initialized = True
        return None

    def invoke(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        try:
            return self.environment.request(request, timeout)
        except ReplyTimeout as exc:
            raise FunctionTimeout(str(exc)) from exc

    def alive(self) -> bool:
        return self.environment.alive()

    def stop(self) -> None:
        self.environment.stop()


class PythonRuntime:
    """Keeps unpacked code and warm workers; one worker per function version and configuration."""

    def __init__(self) -> None:
        self._lock, self._root_lock = threading.Lock(), threading.Lock()
        self._workers: dict[str, Worker] = {}
        self._root: str | None = None  # made on the first invocation, removed on shutdown (nothing at import)

    def invoke(self, fn: Any, account_id: str, region: str, event: Any) -> dict[str, Any]:
        """Run ``fn``'s handler on ``event``; return ``{"result": ...}`` or ``{"error": {...}}``."""
        worker = self._worker_for(fn, account_id, region)
        request = {
            "handler": fn.handler,
            "event": event,
            "function_name": fn.function_name,
            "function_arn": fn.function_arn,
            "memory_size": fn.memory_size,
            "timeout": fn.timeout,
            "request_id": str(uuid.uuid4()),
            "network": network_reach(fn, account_id, region),
        }
        with worker.lock:
            failed_init = worker.initialize(fn.handler)
            if failed_init:
                return failed_init
            try:
                reply = worker.invoke(request, float(fn.timeout))
                if reply.get("error", {}).get("errorType") == "Sandbox.Timedout":
                    worker.stop()  # the environment ends with a timed-out invocation
                return reply
            except (FunctionTimeout, RuntimeError) as exc:
                error_type = "Runtime.ExitError" if isinstance(exc, RuntimeError) else "Sandbox.Timedout"
                return {"error": {"errorMessage": str(exc), "errorType": error_type}}

    def _worker_for(self, fn: Any, account_id: str, region: str) -> Worker:
        layers = [layer["Arn"] for layer in getattr(fn, "layers", None) or [] if not is_public_layer(layer["Arn"])]
        key = hashlib.sha256(
            json.dumps([fn.function_arn, fn.code_sha_256, fn.handler, fn.environment_vars, fn.role, layers], sort_keys=True).encode()
        ).hexdigest()
        with self._lock:
            worker = self._workers.get(key)
            if worker is None or not worker.alive():
                code_dir = self._unpack(fn.code_bytes, fn.code_sha_256)
                paths = [code_dir, *(os.path.join(self._layer_dir(account_id, region, arn), "python") for arn in layers)]
                worker = Worker(code_dir, self._environment(fn, account_id, region, os.pathsep.join(paths)),
                                LogSink(account_id, region, f"/aws/lambda/{fn.function_name}",
                                        time.strftime("%Y/%m/%d") + f"/[$LATEST]{uuid.uuid4().hex}"))
                self._workers[key] = worker
            return worker

    def _layer_dir(self, account_id: str, region: str, arn: str) -> str:
        """The layer version's content, unpacked (its ``python/`` goes on the path after the function's code, as under /opt)."""
        version = get_backend(account_id, region).layers_versions_by_arn(arn)
        if version is None:
            raise RuntimeError(f"layer version {arn} does not exist")
        return self._unpack(version.code_bytes, version.code_sha_256)

    def _root_dir(self) -> str:
        with self._root_lock:
            if self._root is None:
                self._root = tempfile.mkdtemp(prefix="embedded-lambda-")
            return self._root

    def _unpack(self, code: bytes, digest: str) -> str:
        target = os.path.join(self._root_dir(), hashlib.sha256(digest.encode() + code).hexdigest()[:16])
        if not os.path.isdir(target):
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                archive.extractall(target)
        return target

    @staticmethod
    def _environment(fn: Any, account_id: str, region: str, python_path: str) -> dict[str, str]:
        role = sts_backends[account_id]["aws"].assume_role(
            region_name=region,
            role_session_name=fn.function_name[:64],
            role_arn=fn.role,
            policy="",
            duration=43200,
            external_id="",
        )
        env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
        env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
        env.update(
            {
                "PYTHONPATH": python_path,
                "LAMBDA_TASK_ROOT": python_path.split(os.pathsep)[0],
                "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_ACCESS_KEY_ID": role.access_key_id,
                "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
                "AWS_SESSION_TOKEN": role.session_token,
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def shutdown(self) -> None:
        """Stop the warm workers and remove the unpacked code."""
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.stop()
        with self._root_lock:
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def reset(self) -> None:
        self.shutdown()


RUNTIME = PythonRuntime()


def invoke_function(fn: Any, account_id: str, region: str, event: Any) -> dict[str, Any]:
    """Invoke a Python function object of moto's Lambda backend (used by other extensions too)."""
    return RUNTIME.invoke(fn, account_id, region, event)


class PythonLambdaRuntime(Extension):
    name = "lambda-python-runtime"
    summary = "Python Lambda handlers run their deployed code instead of echoing the payload"

    def install(self, patcher: Patcher) -> None:
        original = LambdaSimpleBackend.invoke

        def invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any) -> Any:
            fn = self.get_function(function_name, qualifier)
            if not str(fn.run_time or "").startswith("python") or not fn.code_bytes:
                return original(self, function_name, qualifier, body, headers, response_headers)
            event = json.loads(body) if body else {}
            if headers.get("X-Amz-Invocation-Type") == "Event":
                threading.Thread(
                    target=RUNTIME.invoke, args=(fn, self.account_id, self.region_name, event), daemon=True
                ).start()
                return b""
            reply = RUNTIME.invoke(fn, self.account_id, self.region_name, event)
            if "error" in reply:
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps(reply["error"]).encode()
            return json.dumps(reply["result"]).encode()

        patcher.replace(LambdaSimpleBackend, "invoke", invoke)

    def reset(self) -> None:
        RUNTIME.reset()

    def shutdown(self) -> None:
        RUNTIME.shutdown()
