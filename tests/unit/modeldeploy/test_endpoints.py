"""endpoints.verify: waits while a deployment is in flight, then requires the new config, present alarms, none in ALARM."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_platform.modeldeploy.endpoints import DeploymentCheckFailed, read_endpoint, verify

ALARMS = ["churn-prod-5xx", "churn-prod-model-latency"]


class Endpoint:
    """DescribeEndpoint answers in sequence (the last repeats); alarms in fixed states."""

    class exceptions:
        from botocore.exceptions import ClientError

    def __init__(self, *answers: tuple[str, str], alarms: dict[str, str] | None = None, reason: str = "") -> None:
        self.answers, self.calls, self.reason = list(answers), 0, reason
        self.alarms = alarms if alarms is not None else {a: "OK" for a in ALARMS}

    def describe_endpoint(self, EndpointName: str) -> dict[str, Any]:
        status, config = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return {"EndpointStatus": status, "EndpointConfigName": config, **({"FailureReason": self.reason} if self.reason else {})}

    def describe_alarms(self, AlarmNames: list[str]) -> dict[str, Any]:
        return {"MetricAlarms": [{"AlarmName": n, "StateValue": s} for n, s in self.alarms.items()]}


def _verify(endpoint: Endpoint, timeout: float = 100.0) -> Any:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return verify(endpoint, endpoint, "churn-prod", "churn-prod-v4", ALARMS, timeout_seconds=timeout, poll_seconds=10,
                  sleep=sleep, clock=lambda: now[0])


def test_waits_while_updating_then_passes() -> None:
    endpoint = Endpoint(("Updating", "churn-prod-v3"), ("Updating", "churn-prod-v3"), ("InService", "churn-prod-v4"))
    state = _verify(endpoint)
    assert (endpoint.calls, state.config, state.rolled_back) == (3, "churn-prod-v4", False)


def test_still_updating_at_the_deadline_fails() -> None:
    with pytest.raises(DeploymentCheckFailed, match=r"^endpoint churn-prod still Updating after 30 s$"):
        _verify(Endpoint(("Updating", "churn-prod-v3")), timeout=30)


def test_rollback_names_the_config_served_and_the_alarm() -> None:
    reason = "Deployment of churn-prod-v4 was rolled back: alarm churn-prod-5xx went to ALARM"
    endpoint = Endpoint(("RollingBack", "churn-prod-v3"), ("InService", "churn-prod-v3"), reason=reason,
                        alarms={"churn-prod-5xx": "ALARM", "churn-prod-model-latency": "OK"})
    with pytest.raises(DeploymentCheckFailed) as raised:
        _verify(endpoint)
    assert str(raised.value) == f"endpoint churn-prod is InService on churn-prod-v3, not churn-prod-v4: {reason}"
    state = read_endpoint(endpoint, endpoint, "churn-prod", ALARMS)
    assert state is not None and state.rolled_back and state.alarms_in_alarm == ("churn-prod-5xx",)


def test_alarm_in_alarm_on_the_new_config_fails() -> None:
    endpoint = Endpoint(("InService", "churn-prod-v4"), alarms={"churn-prod-5xx": "OK", "churn-prod-model-latency": "ALARM"})
    with pytest.raises(DeploymentCheckFailed, match="serves churn-prod-v4 but alarm\\(s\\) in ALARM: churn-prod-model-latency$"):
        _verify(endpoint)


def test_failed_endpoint_fails_with_its_reason() -> None:
    with pytest.raises(DeploymentCheckFailed, match="^endpoint churn-prod is Failed on churn-prod-v4: image not found$"):
        _verify(Endpoint(("Failed", "churn-prod-v4"), reason="image not found"))
