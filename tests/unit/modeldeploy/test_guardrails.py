"""Guardrail settings: SageMaker's limits with the violated one named, and the dry run against hand computations."""

from __future__ import annotations

import pytest

from mlops_platform.modeldeploy.guardrails import Guardrail, GuardrailError, plan, validate

ALARMS = ("ep-5xx", "ep-latency")


def _guardrail(**overrides: object) -> Guardrail:
    values: dict = {"type": "CANARY", "instance_count": 4, "size_type": "CAPACITY_PERCENT", "size": 10, "wait_seconds": 300,
                    "termination_wait_seconds": 600, "max_execution_timeout_seconds": 3600, "alarms": ALARMS}
    values.update(overrides)
    return Guardrail(**values)


def test_canary_bad_model_is_caught_within_the_canary() -> None:
    # alarm after 60 s; the canary holds 10 % of 100 req/s for those 60 s: 60 × 0.10 × 100 = 600
    result = plan(_guardrail(), requests_per_second=100, alarm_period_seconds=60)
    assert [(s.at_seconds, s.new_fleet_share) for s in result.steps] == [(0, 0.1), (300, 1.0)]
    assert (result.detection_seconds, result.worst_case_bad_requests, result.total_seconds) == (60, 600, 1200)


def test_linear_bad_model_spans_three_steps() -> None:
    # steps of 25 % every 60 s; alarm after 3 × 60 s: (60×0.25 + 60×0.50 + 60×0.75) × 10 req/s = 900
    guardrail = _guardrail(type="LINEAR", size=25, wait_seconds=60)
    result = plan(guardrail, requests_per_second=10, alarm_period_seconds=60, evaluation_periods=3)
    assert [s.new_fleet_share for s in result.steps] == [0.25, 0.5, 0.75, 1.0]
    assert result.worst_case_bad_requests == 900 and result.total_seconds == 4 * 60 + 600


def test_canary_by_instance_count_and_all_at_once() -> None:
    assert _guardrail(size_type="INSTANCE_COUNT", size=1).fraction_per_step() == [0.25, 1.0]
    everything = plan(_guardrail(type="ALL_AT_ONCE"), requests_per_second=5, alarm_period_seconds=120)
    assert everything.worst_case_bad_requests == 600  # all traffic for 120 s


def test_deployment_config_matches_the_api_shape() -> None:
    assert _guardrail(type="LINEAR", size=20).to_deployment_config() == {
        "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "LINEAR", "WaitIntervalInSeconds": 300,
                                                                  "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20}},
                                  "TerminationWaitInSeconds": 600, "MaximumExecutionTimeoutInSeconds": 3600},
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "ep-5xx"}, {"AlarmName": "ep-latency"}]}}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"size": 60}, "canary size is 60 % of the fleet; SageMaker allows at most 50 %"),
    ({"size_type": "INSTANCE_COUNT", "size": 3}, "canary size is 75 % of the fleet; SageMaker allows at most 50 %"),
    ({"type": "LINEAR", "size": 5}, "linear step size is 5 %; SageMaker allows 10–50 %"),
    ({"type": "LINEAR", "size": 60}, "linear step size is 60 %; SageMaker allows 10–50 %"),
    ({"wait_seconds": 4000}, "wait_seconds is 4000 s; SageMaker allows 0–3600 s"),
    ({"max_execution_timeout_seconds": 500}, "max_execution_timeout_seconds is 500 s; SageMaker allows 600–28800 s"),
    ({"alarms": ()}, "alarms is empty; auto-rollback needs at least one CloudWatch alarm"),
    ({"type": "BLUE"}, "type is 'BLUE'; use one of CANARY, LINEAR, ALL_AT_ONCE"),
    ({"wait_seconds": 3600, "max_execution_timeout_seconds": 3600}, "the shift needs 7800 s of baking but max_execution_timeout_seconds is 3600 s"),
], ids=["canary-percent", "canary-instances", "linear-small", "linear-large", "wait", "timeout", "no-alarms", "type", "too-slow"])
def test_invalid_settings_name_the_limit(overrides: dict, message: str) -> None:
    with pytest.raises(GuardrailError) as raised:
        validate(_guardrail(**overrides))
    assert str(raised.value) == message


def test_alarms_must_exist_in_the_target_account() -> None:
    with pytest.raises(GuardrailError, match="alarm\\(s\\) ep-latency do not exist in the target account"):
        validate(_guardrail(), existing_alarms={"ep-5xx"})
    validate(_guardrail(), existing_alarms=set(ALARMS))


def test_config_block_with_unknown_setting_is_refused() -> None:
    with pytest.raises(GuardrailError, match="guardrail: unknown setting\\(s\\) canary; known: "):
        Guardrail.from_config({"type": "CANARY", "canary": 10}, instance_count=2)
    assert Guardrail.from_config({"type": "CANARY", "size": 50, "alarms": ["a"]}, instance_count=2).alarms == ("a",)
