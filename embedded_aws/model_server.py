"""A SageMaker serving container for scikit-learn-style models: one process per model, warm between requests.

The contract is the SageMaker scikit-learn container's: the model directory holds the artifacts and
``code/<SAGEMAKER_PROGRAM>``, whose ``model_fn(model_dir)`` loads the model once and whose optional
``input_fn`` / ``predict_fn`` / ``output_fn`` serve each request (CSV in, CSV out by default).

Protocol: one JSON request per line on stdin, one JSON reply per line on the original stdout.
``{"load": model_dir, "program": name}`` loads the model (the container's start and ping);
``{"body": base64, "content_type": ..., "accept": ...}`` is an invocation, answered with the body or the
error and the model latency in microseconds. What the code prints goes to stderr (the container log).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import sys
import time
import traceback
from types import ModuleType
from typing import Any


def _default_input(body: bytes, content_type: str) -> Any:
    import numpy as np

    if content_type not in ("text/csv", "application/json"):
        raise ValueError(f"Content type {content_type} is not supported by this framework.")
    text = body.decode()
    if content_type == "application/json":
        return np.array(json.loads(text))
    return np.atleast_2d(np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2))


def _default_output(prediction: Any, accept: str) -> str:
    values = prediction.tolist() if hasattr(prediction, "tolist") else prediction
    if accept == "application/json":
        return json.dumps(values)
    return "\n".join(str(v) for v in values)


class Model:
    """The user's inference module bound to the loaded model."""

    def __init__(self, model_dir: str, program: str) -> None:
        code_dir = os.path.join(model_dir, "code")
        sys.path.insert(0, code_dir)
        path = os.path.join(code_dir, program)
        spec = importlib.util.spec_from_file_location(os.path.splitext(program)[0], path)
        if spec is None or spec.loader is None or not os.path.isfile(path):
            raise FileNotFoundError(f"SAGEMAKER_PROGRAM {program} not found in {code_dir}")
        self.module: ModuleType = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.module)
        if not hasattr(self.module, "model_fn"):
            raise AttributeError(f"{program} defines no model_fn(model_dir)")
        self.model = self.module.model_fn(model_dir)

    def invoke(self, body: bytes, content_type: str, accept: str) -> str | bytes:
        module = self.module
        data = module.input_fn(body, content_type) if hasattr(module, "input_fn") else _default_input(body, content_type)
        prediction = module.predict_fn(data, self.model) if hasattr(module, "predict_fn") else self.model.predict(data)
        return module.output_fn(prediction, accept) if hasattr(module, "output_fn") else _default_output(prediction, accept)


def serve(reply_stream: Any) -> None:
    model: Model | None = None
    for line in sys.stdin:
        request = json.loads(line)
        reply: dict[str, Any]
        if "load" in request:
            try:
                model = Model(request["load"], request["program"])
                reply = {"loaded": True}
            except Exception as exc:  # noqa: BLE001 - the container fails its ping
                traceback.print_exc(file=sys.stderr)
                reply = {"error": f"{type(exc).__name__}: {exc}"}
        else:
            started = time.perf_counter()
            try:
                if model is None:
                    raise RuntimeError("model not loaded")
                result = model.invoke(base64.b64decode(request["body"]), request.get("content_type", "text/csv"),
                                      request.get("accept", "text/csv"))
                body = result.encode() if isinstance(result, str) else bytes(result)
                reply = {"body": base64.b64encode(body).decode()}
            except Exception as exc:  # noqa: BLE001 - the container answers 500
                traceback.print_exc(file=sys.stderr)
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            reply["latency_us"] = int((time.perf_counter() - started) * 1_000_000)
        reply_stream.write(json.dumps(reply) + "\n")
        reply_stream.flush()


if __name__ == "__main__":
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr
    serve(replies)
