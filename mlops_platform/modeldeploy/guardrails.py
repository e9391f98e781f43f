"""Blue/green traffic shifting of a SageMaker endpoint update: validated settings and a dry run.

SageMaker shifts traffic from the old (blue) fleet to the new (green) one in steps — ``CANARY`` (one
step of a canary size, then the rest), ``LINEAR`` (equal steps) or ``ALL_AT_ONCE`` — baking
``WaitIntervalInSeconds`` after each step and ``TerminationWaitInSeconds`` after the last, and rolls
back when one of the ``AutoRollbackConfiguration`` alarms goes to ALARM. :func:`plan` computes the
timeline and how many requests a bad model serves before its alarm can fire.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

TYPES = ("CANARY", "LINEAR", "ALL_AT_ONCE")
SIZE_TYPES = ("INSTANCE_COUNT", "CAPACITY_PERCENT")
WAIT_RANGE = (0, 3600)
TIMEOUT_RANGE = (600, 28800)
TERMINATION_RANGE = (0, 3600)
CANARY_MAX_PERCENT = 50
LINEAR_PERCENT_RANGE = (10, 50)


class GuardrailError(ValueError):
    """A setting outside SageMaker's limits; the message names the setting and the limit."""


@dataclass(frozen=True)
class Guardrail:
    """One stage's ``DeploymentConfig`` (blue/green traffic routing plus auto-rollback alarms)."""

    type: str
    instance_count: int
    size_type: str = "CAPACITY_PERCENT"
    size: float = 10
    wait_seconds: int = 300
    termination_wait_seconds: int = 600
    max_execution_timeout_seconds: int = 3600
    alarms: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_config(cls, config: dict[str, Any], instance_count: int) -> Guardrail:
        """From a stage config's ``guardrail`` block (``type``, ``size_type``, ``size``, ``wait_seconds``, ...)."""
        known = {"type", "size_type", "size", "wait_seconds", "termination_wait_seconds", "max_execution_timeout_seconds", "alarms"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise GuardrailError(f"guardrail: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = {**config, "alarms": tuple(config.get("alarms", ()))}
        return cls(instance_count=instance_count, **values)

    def fraction_per_step(self) -> list[float]:
        """Share of traffic on the new fleet after each shift."""
        if self.type == "ALL_AT_ONCE":
            return [1.0]
        step = self.size / self.instance_count if self.size_type == "INSTANCE_COUNT" else self.size / 100
        if self.type == "CANARY":
            return [step, 1.0]
        steps = math.ceil(1 / step - 1e-9)
        return [min(1.0, step * (i + 1)) for i in range(steps)]

    def to_deployment_config(self) -> dict[str, Any]:
        """The CloudFormation/API ``DeploymentConfig`` for this guardrail."""
        routing: dict[str, Any] = {"Type": self.type, "WaitIntervalInSeconds": self.wait_seconds}
        size = {"Type": self.size_type, "Value": int(self.size)}
        if self.type == "CANARY":
            routing["CanarySize"] = size
        elif self.type == "LINEAR":
            routing["LinearStepSize"] = size
        return {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing,
                                          "TerminationWaitInSeconds": self.termination_wait_seconds,
                                          "MaximumExecutionTimeoutInSeconds": self.max_execution_timeout_seconds},
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name} for name in self.alarms]}}


def _in_range(name: str, value: float, bounds: tuple[int, int], unit: str = "s") -> None:
    if not bounds[0] <= value <= bounds[1]:
        raise GuardrailError(f"{name} is {value:g} {unit}; SageMaker allows {bounds[0]}–{bounds[1]} {unit}")


def validate(guardrail: Guardrail, existing_alarms: set[str] | None = None) -> None:
    """Raise :class:`GuardrailError` naming the first violated limit."""
    if guardrail.type not in TYPES:
        raise GuardrailError(f"type is {guardrail.type!r}; use one of {', '.join(TYPES)}")
    if guardrail.instance_count < 1:
        raise GuardrailError(f"instance_count is {guardrail.instance_count}; at least 1 instance is needed")
    if guardrail.type != "ALL_AT_ONCE":
        if guardrail.size_type not in SIZE_TYPES:
            raise GuardrailError(f"size_type is {guardrail.size_type!r}; use one of {', '.join(SIZE_TYPES)}")
        percent = guardrail.size / guardrail.instance_count * 100 if guardrail.size_type == "INSTANCE_COUNT" else guardrail.size
        if guardrail.size <= 0:
            raise GuardrailError(f"size is {guardrail.size:g}; it must be positive")
        if guardrail.type == "CANARY" and percent > CANARY_MAX_PERCENT:
            raise GuardrailError(f"canary size is {percent:g} % of the fleet; SageMaker allows at most {CANARY_MAX_PERCENT} %")
        if guardrail.type == "LINEAR":
            _in_range("linear step size", percent, LINEAR_PERCENT_RANGE, "%")
    _in_range("wait_seconds", guardrail.wait_seconds, WAIT_RANGE)
    _in_range("termination_wait_seconds", guardrail.termination_wait_seconds, TERMINATION_RANGE)
    _in_range("max_execution_timeout_seconds", guardrail.max_execution_timeout_seconds, TIMEOUT_RANGE)
    if not guardrail.alarms:
        raise GuardrailError("alarms is empty; auto-rollback needs at least one CloudWatch alarm")
    if existing_alarms is not None:
        missing = [a for a in guardrail.alarms if a not in existing_alarms]
        if missing:
            raise GuardrailError(f"alarm(s) {', '.join(missing)} do not exist in the target account")
    shifting = guardrail.wait_seconds * len(guardrail.fraction_per_step()) + guardrail.termination_wait_seconds
    if shifting > guardrail.max_execution_timeout_seconds:
        raise GuardrailError(f"the shift needs {shifting} s of baking but max_execution_timeout_seconds is "
                             f"{guardrail.max_execution_timeout_seconds} s")


@dataclass(frozen=True)
class Step:
    at_seconds: int
    new_fleet_share: float


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    total_seconds: int
    detection_seconds: int
    worst_case_bad_requests: int


def plan(guardrail: Guardrail, requests_per_second: float, alarm_period_seconds: int, evaluation_periods: int = 1) -> Plan:
    """Timeline of the shift, and the requests a bad model serves before its alarm can fire.

    The alarm can fire ``alarm_period_seconds × evaluation_periods`` after the bad model first takes
    traffic; until then the model serves its share of ``requests_per_second`` at each moment.
    """
    validate(guardrail)
    shares = guardrail.fraction_per_step()
    steps = [Step(i * guardrail.wait_seconds, share) for i, share in enumerate(shares)]
    total = guardrail.wait_seconds * len(shares) + guardrail.termination_wait_seconds
    detection = alarm_period_seconds * evaluation_periods
    served = 0.0
    for index, step in enumerate(steps):
        end = steps[index + 1].at_seconds if index + 1 < len(steps) else math.inf
        overlap = max(0.0, min(end, detection) - step.at_seconds)
        served += overlap * step.new_fleet_share * requests_per_second
    return Plan(steps, total, detection, math.ceil(served - 1e-9))
