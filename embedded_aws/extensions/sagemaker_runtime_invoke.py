"""InvokeEndpoint runs the endpoint's model and publishes the endpoint metrics its alarms watch.

moto 5.2.5 answers InvokeEndpoint with a canned body whatever the endpoint serves (or whether it
exists) and emits no metrics, so a model that fails in production cannot be seen. Here, as in SageMaker:

* the endpoint must exist; each request goes to the fleet serving it — during a blue/green update,
  to the new fleet with the share of traffic it has been shifted (``CurrentWeight``), otherwise the
  current fleet (which keeps serving if its endpoint config is deleted) — and to one of its
  production variants by weight;
* the variant's model runs in a warm container process (:mod:`embedded_aws.model_server`): the model
  data (``ModelDataUrl`` tarball) is unpacked, ``code/<SAGEMAKER_PROGRAM>`` serves it. A new fleet's
  containers start while the deployment provisions it; one that fails to load fails the deployment;
* a model error answers ``ModelError`` (HTTP 424, ``OriginalStatusCode`` 500) with the container's message;
* every request publishes ``Invocations``, ``Invocation5XXErrors`` and ``ModelLatency`` (microseconds,
  time in the model's handlers) in ``AWS/SageMaker`` with ``EndpointName`` and ``VariantName`` — which
  is what the rollback alarms of a blue/green deployment evaluate.
"""

from __future__ import annotations

import base64
import io
import os
import random
import shutil
import tarfile
import tempfile
import threading
import uuid
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow
from moto.s3.models import s3_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from embedded_aws.extensions import sagemaker_blue_green
from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.json_line_process import JsonLineProcess, LogSink, ReplyTimeout

SERVER_MODULE = "embedded_aws.model_server"
LOAD_TIMEOUT_SECONDS = 120.0
INVOKE_TIMEOUT_SECONDS = 60.0


class ModelError(JsonRESTError):
    code = 424

    def __init__(self, variant: str, message: str, log_stream_arn: str) -> None:
        super().__init__("ModelError", f"Received server error (500) from {variant} with message \"{message}\". "
                                       f"See {log_stream_arn} in account for more information.")


class EndpointNotFound(JsonRESTError):
    code = 400

    def __init__(self, name: str, account: str) -> None:
        super().__init__("ValidationError", f"Endpoint {name} of account {account} not found.")


class Container:
    """A warm model server for one model of one account."""

    def __init__(self, account: str, region: str, model: Any) -> None:
        self.account, self.region, self.model_name = account, region, model.model_name
        container = model.primary_container or (model.containers or [{}])[0]
        self.program = (container.get("Environment") or {}).get("SAGEMAKER_PROGRAM", "inference.py")
        self.model_dir = tempfile.mkdtemp(prefix=f"model-{self.model_name}-")
        self.log = LogSink(account, region, f"/aws/sagemaker/Endpoints/{self.model_name}", f"AllTraffic/{uuid.uuid4().hex}")
        _unpack(account, container.get("ModelDataUrl", ""), self.model_dir)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH")}
        env.update({k: str(v) for k, v in (container.get("Environment") or {}).items()}, SAGEMAKER_REGION=region, PYTHONUNBUFFERED="1")
        self.process = JsonLineProcess(SERVER_MODULE, self.model_dir, env, self.log.write)

    def load(self) -> None:
        """Have the server load the model; RuntimeError (container stopped) when it cannot."""
        reply = self.process.request({"load": self.model_dir, "program": self.program}, LOAD_TIMEOUT_SECONDS)
        if "error" in reply:
            self.stop()
            raise RuntimeError(f"Model {self.model_name} failed to load: {reply['error']}")

    def invoke(self, body: bytes, content_type: str, accept: str) -> dict[str, Any]:
        with self.process.lock:
            return self.process.request({"body": base64.b64encode(body).decode(), "content_type": content_type, "accept": accept},
                                        INVOKE_TIMEOUT_SECONDS)

    def stop(self) -> None:
        self.process.stop()
        shutil.rmtree(self.model_dir, ignore_errors=True)


def _unpack(account: str, url: str, target: str) -> None:
    """Download the ``s3://`` model tarball (from whichever account owns the bucket) into ``target``."""
    if not url.startswith("s3://"):
        raise RuntimeError(f"ModelDataUrl {url!r} is not an s3:// URL")
    bucket, _, key = url[5:].partition("/")
    try:
        data = s3_backends[account]["global"].get_object(bucket, key)
    except Exception:  # noqa: BLE001 - moto raises NoSuchBucket / NoSuchKey; SageMaker reports the URL
        data = None
    if data is None:
        raise RuntimeError(f"Model data {url} does not exist")
    with tarfile.open(fileobj=io.BytesIO(data.value), mode="r:*") as archive:
        archive.extractall(target, filter="data")


class Containers:
    """Warm containers by (account, region, model name).

    A reset stops the warm containers and those still loading, so nothing started for an earlier
    state of the embedded AWS serves, or holds up, a later one.
    """

    def __init__(self) -> None:
        self._containers: dict[tuple[str, str, str], Container] = {}
        self._loading: set[Container] = set()
        self._starting: dict[tuple[str, str, str], threading.Lock] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, account: str, region: str, model_name: str) -> Container:
        key = (account, region, model_name)
        with self._lock:
            starting, generation = self._starting.setdefault(key, threading.Lock()), self._generation
        with starting:
            container = self._containers.get(key)
            if container is not None and container.process.alive():
                return container
            model = sagemaker_backends[account][region].describe_model(model_name)
            container = Container(account, region, model)
            with self._lock:
                self._loading.add(container)
            try:
                container.load()
            finally:
                with self._lock:
                    self._loading.discard(container)
                    current = generation == self._generation
                    if current:
                        self._containers[key] = container
            if not current:
                container.stop()
                raise RuntimeError(f"Model {model_name} was stopped while it loaded")
            return container

    def loading(self) -> list[str]:
        """Names of the models whose containers are starting now."""
        with self._lock:
            return sorted(c.model_name for c in self._loading)

    def stop_all(self) -> None:
        with self._lock:
            self._generation += 1
            containers = [*self._containers.values(), *self._loading]
            self._containers, self._loading, self._starting = {}, set(), {}
        for container in containers:
            container.stop()


CONTAINERS = Containers()


def _pick(variants: list[dict[str, Any]]) -> dict[str, Any]:
    weights = [float(v.get("InitialVariantWeight", v.get("CurrentWeight", 1.0)) or 0.0) for v in variants]
    return random.choices(variants, weights=weights if sum(weights) > 0 else None)[0]


def serving_fleet(backend: Any, endpoint: Any) -> list[dict[str, Any]]:
    """The variants serving this request: the new fleet with the traffic share shifted to it, else the current fleet."""
    pending, summary = getattr(endpoint, "pending_fleet", None), getattr(endpoint, "pending_deployment_summary", None)
    if endpoint.endpoint_status == "Updating" and pending and summary:
        share = float(summary["ProductionVariants"][0].get("CurrentWeight", 0.0))
        if share > 0 and random.random() < share:
            return list(pending)
    return sagemaker_blue_green.current_fleet(backend, endpoint)


def publish(account: str, region: str, endpoint: str, variant: str, failed: bool, latency_us: int | None) -> None:
    dimensions = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    data: list[dict[str, Any]] = [{"MetricName": "Invocations", "Value": 1, "Unit": "None", "Dimensions": dimensions, "Timestamp": utcnow()},
            {"MetricName": "Invocation5XXErrors", "Value": 1 if failed else 0, "Unit": "None", "Dimensions": dimensions,
             "Timestamp": utcnow()}]
    if latency_us is not None:
        data.append({"MetricName": "ModelLatency", "Value": latency_us, "Unit": "Microseconds", "Dimensions": dimensions,
                     "Timestamp": utcnow()})
    cloudwatch_backends[account][region].put_metric_data("AWS/SageMaker", data)


def invoke(account: str, region: str, endpoint_name: str, body: bytes, content_type: str, accept: str) -> tuple[bytes, str, str]:
    """Serve one request; ``(body, content type, variant)`` or :class:`ModelError`."""
    backend = sagemaker_backends[account][region]
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise EndpointNotFound(endpoint_name, account)
    variant = _pick(serving_fleet(backend, endpoint))
    container = CONTAINERS.get(account, region, variant["ModelName"])
    try:
        reply = container.invoke(body, content_type, accept)
    except (ReplyTimeout, RuntimeError) as exc:
        reply = {"error": str(exc)}
    publish(account, region, endpoint_name, variant["VariantName"], "error" in reply, reply.get("latency_us"))
    if "error" in reply:
        stream = f"arn:aws:logs:{region}:{account}:log-group:{container.log.group}:log-stream:{container.log.stream}"
        raise ModelError(variant["VariantName"], reply["error"], stream)
    return base64.b64decode(reply["body"]), accept if accept != "*/*" else content_type, variant["VariantName"]


def provision(backend: Any, config: dict[str, Any]) -> None:
    """Start the new fleet's containers (SageMaker provisions and pings them before shifting traffic)."""
    for variant in config["ProductionVariants"]:
        CONTAINERS.get(backend.account_id, backend.region_name, variant["ModelName"])


class _Api:
    @staticmethod
    def invoke_endpoint(self: Any) -> Any:
        endpoint_name = self.path.split("/")[2]
        body = self.body if isinstance(self.body, bytes) else str(self.body).encode()
        content_type = self.headers.get("Content-Type", "text/csv")
        accept = self.headers.get("Accept", "*/*")
        answer, answer_type, variant = invoke(self.current_account, self.region, endpoint_name, body, content_type, accept)
        return 200, {"Content-Type": answer_type, "x-Amzn-Invoked-Production-Variant": variant}, answer


class InvokeEndpoints(Extension):
    name = "sagemaker-runtime-invoke"
    summary = "InvokeEndpoint runs the serving fleet's model (blue/green traffic share) and publishes Invocations, 5XX errors and ModelLatency"
    requires = (sagemaker_blue_green.BlueGreenEndpoints.name,)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(SageMakerRuntimeResponse, "invoke_endpoint", _Api.invoke_endpoint)
        patcher.replace(sagemaker_blue_green, "PROVISIONERS", [*sagemaker_blue_green.PROVISIONERS, provision])
        patcher.replace(sagemaker_blue_green, "FLEET_STOPPERS", [*sagemaker_blue_green.FLEET_STOPPERS, CONTAINERS.stop_all])

    def reset(self) -> None:
        CONTAINERS.stop_all()

    def shutdown(self) -> None:
        CONTAINERS.stop_all()
