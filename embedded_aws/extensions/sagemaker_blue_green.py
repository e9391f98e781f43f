"""SageMaker endpoints update blue/green: traffic shifts step by step and an alarm in ALARM rolls it back.

moto 5.2.5 has no UpdateEndpoint. Here it starts a deployment, as SageMaker does:

* the endpoint goes ``Updating`` (``PendingDeploymentSummary`` names the new config and the traffic
  share of the new fleet); the new fleet is provisioned, then traffic shifts by the
  ``TrafficRoutingConfiguration`` (CANARY: canary then the rest; LINEAR: equal steps; ALL_AT_ONCE),
  baking ``WaitIntervalInSeconds`` after each shift and ``TerminationWaitInSeconds`` after the last;
* during every baking period the ``AutoRollbackConfiguration`` alarms are checked; one in ALARM rolls
  the endpoint back (``RollingBack``, then ``InService`` on the old config) and ``FailureReason`` names
  the alarm — a rollback never passes silently;
* otherwise the endpoint ends ``InService`` on the new config and production variants.

Durations are multiplied by ``EMBEDDED_AWS_DEPLOYMENT_TIME_SCALE`` (default 0.01: a 600 s bake takes
6 s) so tests and the demo run a real schedule in seconds. An update without ``DeploymentConfig``
shifts all at once without baking.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from embedded_aws.extensions.base import Extension, Patcher, Workers

TIME_SCALE_ENV = "EMBEDDED_AWS_DEPLOYMENT_TIME_SCALE"
PROVISION_SECONDS = 60.0
TICK = 0.05
WORKERS = Workers("endpoint")
#: Called with (backend, endpoint config) while a new fleet is provisioned; raising fails the deployment.
PROVISIONERS: list[Callable[[SageMakerModelBackend, dict[str, Any]], None]] = []
#: Called first when the workers stop, so a provisioner blocked on a fleet it started ends at once.
FLEET_STOPPERS: list[Callable[[], None]] = []


def time_scale() -> float:
    return float(os.environ.get(TIME_SCALE_ENV, "0.01"))


def traffic_steps(routing: dict[str, Any], instance_count: int) -> list[float]:
    """Share of traffic on the new fleet after each shift."""
    kind = routing.get("Type", "ALL_AT_ONCE")
    if kind == "ALL_AT_ONCE":
        return [1.0]
    size = routing.get("CanarySize" if kind == "CANARY" else "LinearStepSize") or {}
    value = float(size.get("Value", 0))
    share = value / max(1, instance_count) if size.get("Type") == "INSTANCE_COUNT" else value / 100
    if share <= 0:
        raise ValidationError(f"{kind} size must be positive")
    if kind == "CANARY":
        return [min(share, 1.0), 1.0]
    return [min(1.0, share * (i + 1)) for i in range(math.ceil(1 / share - 1e-9))]


class Deployment:
    def __init__(self, backend: SageMakerModelBackend, endpoint: FakeEndpoint, config_name: str, deployment: dict[str, Any]) -> None:
        self.backend, self.endpoint, self.config_name = backend, endpoint, config_name
        self.config = backend.describe_endpoint_config(config_name)
        policy = deployment.get("BlueGreenUpdatePolicy") or {}
        self.routing = policy.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
        self.wait = float(self.routing.get("WaitIntervalInSeconds", 0))
        self.termination_wait = float(policy.get("TerminationWaitInSeconds", 0))
        self.timeout = float(policy.get("MaximumExecutionTimeoutInSeconds", 28800))
        self.alarms = [a["AlarmName"] for a in (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms", [])]
        count = sum(int(v.get("InitialInstanceCount", 1)) for v in self.config["ProductionVariants"])
        self.steps = traffic_steps(self.routing, count)
        self.provision = PROVISION_SECONDS if deployment else 0.0

    def alarm_in_alarm(self) -> str | None:
        alarms = cloudwatch_backends[self.backend.account_id][self.backend.region_name].alarms
        return next((name for name in self.alarms if name in alarms and alarms[name].state_value == "ALARM"), None)

    def bake(self, seconds: float, deadline: float) -> str | None:
        """Wait ``seconds`` (scaled), checking the rollback alarms; the alarm that fired, if any."""
        end = time.monotonic() + seconds * time_scale()
        while True:
            fired = self.alarm_in_alarm()
            if fired or WORKERS.stopping.is_set():
                return fired or "the embedded AWS stopped"
            if time.monotonic() >= deadline:
                return f"MaximumExecutionTimeoutInSeconds ({self.timeout:g} s) reached"
            if time.monotonic() >= end:
                return None
            time.sleep(TICK)

    def alarm_access_problem(self) -> str | None:
        """SageMaker reads the rollback alarms as the endpoint's execution role: it needs cloudwatch:DescribeAlarms."""
        if not self.alarms:
            return None
        from embedded_aws.extensions.iam_authorization import AUTHORIZER
        from embedded_aws.iam.actions import Authorization

        account, region = self.backend.account_id, self.backend.region_name
        alarms = tuple(f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}" for name in self.alarms)
        for variant in self.config["ProductionVariants"]:
            role = getattr(self.backend.describe_model(variant["ModelName"]), "execution_role_arn", None)
            refusal = AUTHORIZER.check_as_role(role, "SageMaker", Authorization("cloudwatch:DescribeAlarms", alarms)) if role else None
            if refusal is not None:
                return f"the rollback alarms cannot be monitored: {refusal.message}"
        return None

    def start_fleet(self) -> str | None:
        """Provision the new fleet (containers started and pinged); the failure, if any."""
        for provisioner in PROVISIONERS:
            try:
                provisioner(self.backend, self.config)
            except Exception as exc:  # noqa: BLE001 - a fleet that cannot start fails the deployment, naming why
                return f"the new fleet failed to start: {exc}"
        return None

    def pending(self, share: float, status: str) -> None:
        self.endpoint.pending_deployment_summary = {
            "EndpointConfigName": self.config_name, "StartTime": self.started,
            "ProductionVariants": [{"VariantName": v["VariantName"], "DesiredInstanceCount": v.get("InitialInstanceCount", 1),
                                    "CurrentWeight": share, "VariantStatus": [{"Status": status, "StartTime": utcnow()}]}
                                   for v in self.config["ProductionVariants"]]}

    def run(self) -> None:
        self.started = utcnow()
        deadline = time.monotonic() + self.timeout * time_scale()
        self.pending(0.0, "Creating")
        self.endpoint.pending_fleet = list(self.config["ProductionVariants"])
        problem = self.alarm_access_problem() or self.start_fleet()
        if not problem:
            problem = self.bake(self.provision, deadline)
        for share in self.steps:
            if problem:
                break
            self.pending(share, "Baking")
            self.endpoint.traffic_history.append(share)
            problem = self.bake(self.wait, deadline)
        if not problem:
            problem = self.bake(self.termination_wait, deadline)
        if problem:
            self.roll_back(problem)
        else:
            self.complete()

    def roll_back(self, problem: str) -> None:
        endpoint = self.endpoint
        endpoint.endpoint_status = "RollingBack"
        endpoint.traffic_history.append(0.0)
        time.sleep(min(1.0, 30 * time_scale()))
        alarm = problem if problem in self.alarms else None
        reason = (f"Deployment of {self.config_name} was rolled back: alarm {alarm} went to ALARM" if alarm
                  else f"Deployment of {self.config_name} was rolled back: {problem}")
        endpoint.failure_reason = reason  # type: ignore[assignment]  # moto declares it None-only
        endpoint.pending_deployment_summary, endpoint.pending_fleet = None, None
        endpoint.last_deployment = {"EndpointConfigName": self.config_name, "Status": "RolledBack", "Reason": reason}
        endpoint.endpoint_status, endpoint.last_modified_time = "InService", utcnow()

    def complete(self) -> None:
        endpoint = self.endpoint
        endpoint.endpoint_config_name = self.config_name
        endpoint.production_variants = endpoint._process_production_variants(self.config["ProductionVariants"])
        endpoint.data_capture_config = self.config.get("DataCaptureConfig")  # type: ignore[assignment]  # None when absent, as moto's own
        endpoint.fleet_variants = list(self.config["ProductionVariants"])
        endpoint.failure_reason, endpoint.pending_deployment_summary, endpoint.pending_fleet = None, None, None
        endpoint.last_deployment = {"EndpointConfigName": self.config_name, "Status": "Completed"}
        endpoint.endpoint_status, endpoint.last_modified_time = "InService", utcnow()


def current_fleet(backend: SageMakerModelBackend, endpoint: FakeEndpoint) -> list[dict[str, Any]]:
    """The production variants (with their models) the endpoint's running fleet was created from.

    Kept on the endpoint: the fleet keeps serving when its endpoint config is deleted, as in SageMaker.
    """
    if getattr(endpoint, "fleet_variants", None) is None:
        endpoint.fleet_variants = list(backend.describe_endpoint_config(endpoint.endpoint_config_name)["ProductionVariants"])
    return endpoint.fleet_variants


def start_first_fleet(backend: SageMakerModelBackend, endpoint: FakeEndpoint, variants: list[dict[str, Any]]) -> None:
    """Start a new endpoint's containers; one that cannot start fails the endpoint, naming why."""
    for provisioner in PROVISIONERS:
        try:
            provisioner(backend, {"ProductionVariants": variants})
        except Exception as exc:  # noqa: BLE001 - SageMaker: the endpoint ends Failed with the reason
            endpoint.endpoint_status = "Failed"
            endpoint.failure_reason = f"The primary container failed to start: {exc}"  # type: ignore[assignment]  # moto: None-only
            return


def update_endpoint(backend: SageMakerModelBackend, name: str, config_name: str, deployment: dict[str, Any] | None) -> str:
    """Start a deployment of ``config_name`` to endpoint ``name``; returns the endpoint ARN."""
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise ValidationError(f"Could not find endpoint \"{name}\".")
    if endpoint.endpoint_status != "InService":
        raise ValidationError(f"Cannot update in-progress endpoint \"{endpoint.arn}\".")
    if config_name not in backend.endpoint_configs:
        raise ValidationError(f"Could not find endpoint configuration \"{config_name}\".")
    if config_name == endpoint.endpoint_config_name:
        raise ValidationError(f"Cannot update endpoint \"{name}\" to the endpoint configuration it already runs ({config_name}).")
    work = Deployment(backend, endpoint, config_name, deployment or {})
    endpoint.endpoint_status, endpoint.failure_reason = "Updating", None
    endpoint.deployment_config = deployment
    if not hasattr(endpoint, "traffic_history"):
        endpoint.traffic_history = []

    WORKERS.start(endpoint.arn, work.run)
    return endpoint.arn


def stop_all(timeout: float = 10.0) -> None:
    for stop in FLEET_STOPPERS:
        stop()
    WORKERS.stop_all(timeout)


class _Api:
    @staticmethod
    def update_endpoint(self: Any) -> str:
        params = json.loads(self.body)
        arn = update_endpoint(self.sagemaker_backend, params["EndpointName"], params["EndpointConfigName"], params.get("DeploymentConfig"))
        return json.dumps({"EndpointArn": arn})


class BlueGreenEndpoints(Extension):
    name = "sagemaker-blue-green"
    summary = "UpdateEndpoint deploys blue/green: scheduled traffic shifts, baking, rollback when a rollback alarm is in ALARM"

    def install(self, patcher: Patcher) -> None:
        original = FakeEndpoint.response_object.fget

        def response_object(self: FakeEndpoint) -> dict[str, Any]:
            response = original(self)
            for key, attribute in (("PendingDeploymentSummary", "pending_deployment_summary"),
                                   ("LastDeploymentConfig", "deployment_config"), ("FailureReason", "failure_reason")):
                value = getattr(self, attribute, None)
                if value:
                    response[key] = value
            return response

        original_create = SageMakerModelBackend.create_endpoint

        def create_endpoint(self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str, tags: Any) -> FakeEndpoint:
            endpoint = original_create(self, endpoint_name, endpoint_config_name, tags)
            fleet = current_fleet(self, endpoint)  # the fleet is built from the config now; it outlives the config
            WORKERS.start(endpoint.arn, lambda: start_first_fleet(self, endpoint, fleet))
            return endpoint

        patcher.replace(FakeEndpoint, "response_object", property(response_object))
        patcher.replace(SageMakerModelBackend, "create_endpoint", create_endpoint)
        patcher.replace(SageMakerResponse, "update_endpoint", _Api.update_endpoint)

    def reset(self) -> None:
        stop_all()

    def shutdown(self) -> None:
        stop_all()
