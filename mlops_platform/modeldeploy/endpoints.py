"""What a stage's endpoint really runs, and whether its last deployment went through or was rolled back.

The deploy pipeline's verify step and ``mlops model deployments|rollback-status`` both read the
endpoint, never the stack: a stack can be ``UPDATE_COMPLETE`` while the endpoint still serves the old
config (the anchors' "no check that the endpoint really runs the new config").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

IN_FLIGHT = {"Creating", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"}


def endpoint_name(project: str, stage: str) -> str:
    """The stage's endpoint (its name stays; each model version gets a new endpoint config)."""
    return f"{project}-{stage}"


def endpoint_config_name(project: str, stage: str, version: int | str) -> str:
    return f"{project}-{stage}-v{version}"


def alarm_names(project: str, stage: str) -> list[str]:
    """The two rollback alarms the endpoint template creates for a stage."""
    return [f"{project}-{stage}-5xx", f"{project}-{stage}-model-latency"]


def version_of(config_name: str) -> int | None:
    """The model package version an endpoint config name carries (``<project>-<stage>-v<N>``)."""
    head, _, tail = config_name.rpartition("-v")
    return int(tail) if head and tail.isdigit() else None


class DeploymentCheckFailed(Exception):
    """The endpoint does not serve the expected config; the message says what it serves and why."""


@dataclass(frozen=True)
class EndpointState:
    """One endpoint as DescribeEndpoint and its alarms show it."""

    name: str
    status: str
    config: str
    failure_reason: str = ""
    alarms_in_alarm: tuple[str, ...] = ()
    missing_alarms: tuple[str, ...] = ()
    last_modified: str = ""
    variants: tuple[dict[str, Any], ...] = field(default=())

    @property
    def rolled_back(self) -> bool:
        """The last blue/green deployment ended on the old fleet (SageMaker keeps the reason)."""
        return self.status == "InService" and "rolled back" in self.failure_reason.lower()

    def to_dict(self) -> dict[str, Any]:
        return {"endpoint": self.name, "status": self.status, "config": self.config, "failure_reason": self.failure_reason,
                "rolled_back": self.rolled_back, "alarms_in_alarm": list(self.alarms_in_alarm),
                "missing_alarms": list(self.missing_alarms), "last_modified": self.last_modified}


def read_endpoint(sagemaker: Any, cloudwatch: Any, endpoint: str, alarms: list[str]) -> EndpointState | None:
    """The endpoint's state, or ``None`` when it does not exist."""
    try:
        described = sagemaker.describe_endpoint(EndpointName=endpoint)
    except sagemaker.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] == "ValidationException" and "Could not find" in exc.response["Error"]["Message"]:
            return None
        raise
    found = {a["AlarmName"]: a["StateValue"] for a in cloudwatch.describe_alarms(AlarmNames=alarms)["MetricAlarms"]} if alarms else {}
    modified = described.get("LastModifiedTime")
    return EndpointState(
        name=endpoint, status=described["EndpointStatus"], config=described.get("EndpointConfigName", ""),
        failure_reason=described.get("FailureReason", "") or "",
        alarms_in_alarm=tuple(sorted(a for a, state in found.items() if state == "ALARM")),
        missing_alarms=tuple(sorted(set(alarms) - set(found))),
        last_modified=modified.isoformat() if hasattr(modified, "isoformat") else str(modified or ""),
        variants=tuple(described.get("ProductionVariants", [])),
    )


def verify(sagemaker: Any, cloudwatch: Any, endpoint: str, expected_config: str, alarms: list[str],
           timeout_seconds: float = 900.0, poll_seconds: float = 5.0,
           sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> EndpointState:
    """Wait while a deployment is in flight, then require ``InService`` on ``expected_config`` with every alarm present and OK.

    Raises :class:`DeploymentCheckFailed` naming the config served and the rollback reason (the alarm).
    """
    deadline = clock() + timeout_seconds
    while True:
        state = read_endpoint(sagemaker, cloudwatch, endpoint, alarms)
        if state is None:
            raise DeploymentCheckFailed(f"endpoint {endpoint} does not exist")
        if state.status not in IN_FLIGHT:
            break
        if clock() >= deadline:
            raise DeploymentCheckFailed(f"endpoint {endpoint} still {state.status} after {timeout_seconds:.0f} s")
        sleep(poll_seconds)
    if state.config != expected_config:
        why = f": {state.failure_reason}" if state.failure_reason else ""
        raise DeploymentCheckFailed(f"endpoint {endpoint} is {state.status} on {state.config}, not {expected_config}{why}")
    if state.status != "InService":
        raise DeploymentCheckFailed(f"endpoint {endpoint} is {state.status} on {state.config}: {state.failure_reason or 'no reason given'}")
    if state.missing_alarms:
        raise DeploymentCheckFailed(f"endpoint {endpoint}: rollback alarm(s) missing: {', '.join(state.missing_alarms)}")
    if state.alarms_in_alarm:
        raise DeploymentCheckFailed(f"endpoint {endpoint} serves {expected_config} but alarm(s) in ALARM: {', '.join(state.alarms_in_alarm)}")
    return state


def smoke_test(runtime: Any, endpoint: str, body: bytes, content_type: str = "text/csv", requests: int = 3) -> list[bytes]:
    """Send ``body`` ``requests`` times; the answers, or :class:`DeploymentCheckFailed` with the model's error."""
    answers = []
    for _ in range(requests):
        try:
            answer = runtime.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType=content_type)
        except runtime.exceptions.ClientError as exc:
            raise DeploymentCheckFailed(f"endpoint {endpoint} smoke test failed: {exc.response['Error']['Message']}") from exc
        answers.append(answer["Body"].read())
    return answers
