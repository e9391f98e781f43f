"""verify.py: the stage's endpoint must serve the config just deployed; a rollback fails naming the alarm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import verify

DEPLOYMENT = {"model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3", "model_package_version": 3,
              "stages": [{"stage": "staging", "endpoint": "churn-staging", "endpoint_config": "churn-staging-v3",
                          "alarms": ["churn-staging-5xx", "churn-staging-model-latency"]}]}


class Target:
    """The target account's SageMaker and CloudWatch as verify.py sees them."""

    def __init__(self, config: str, reason: str = "", alarm_states: dict[str, str] | None = None) -> None:
        self.config, self.reason = config, reason
        self.alarm_states = alarm_states if alarm_states is not None else {"churn-staging-5xx": "OK", "churn-staging-model-latency": "OK"}

    def client(self, name: str) -> Any:
        return self

    def describe_endpoint(self, EndpointName: str) -> dict[str, Any]:
        return {"EndpointName": EndpointName, "EndpointStatus": "InService", "EndpointConfigName": self.config,
                **({"FailureReason": self.reason} if self.reason else {})}

    def describe_alarms(self, AlarmNames: list[str]) -> dict[str, Any]:
        return {"MetricAlarms": [{"AlarmName": n, "StateValue": s} for n, s in self.alarm_states.items() if n in AlarmNames]}

    class exceptions:
        from botocore.exceptions import ClientError

    def invoke_endpoint(self, EndpointName: str, Body: bytes, ContentType: str) -> dict[str, Any]:
        self.smoke_requests = getattr(self, "smoke_requests", 0) + 1
        if self.config.endswith("-broken"):
            raise self.exceptions.ClientError({"Error": {"Code": "ModelError", "Message": "Received server error (500)"}}, "InvokeEndpoint")
        return {"Body": __import__("io").BytesIO(b"0.98")}


def _run(tmp_path: Path, target: Target, capsys: Any) -> tuple[int, str, str]:
    (tmp_path / "deployment.json").write_text(json.dumps(DEPLOYMENT))
    code = verify.main(["--deployment", str(tmp_path / "deployment.json"), "--stage", "staging"], session=target)
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip()


def test_new_config_in_service_passes(tmp_path: Path, capsys: Any) -> None:
    assert _run(tmp_path, Target("churn-staging-v3"), capsys) == (
        0, "staging: endpoint churn-staging InService on churn-staging-v3 (model package version 3); "
           "alarms churn-staging-5xx, churn-staging-model-latency OK", "")


def test_rolled_back_endpoint_fails_naming_the_alarm(tmp_path: Path, capsys: Any) -> None:
    reason = "Deployment of churn-staging-v3 was rolled back: alarm churn-staging-5xx went to ALARM"
    code, _, err = _run(tmp_path, Target("churn-staging-v2", reason), capsys)
    assert (code, err) == (1, f"error: staging: endpoint churn-staging is InService on churn-staging-v2, not churn-staging-v3: {reason}")


def test_missing_alarm_fails(tmp_path: Path, capsys: Any) -> None:
    code, _, err = _run(tmp_path, Target("churn-staging-v3", alarm_states={"churn-staging-5xx": "OK"}), capsys)
    assert (code, err) == (1, "error: staging: endpoint churn-staging: rollback alarm(s) missing: churn-staging-model-latency")


def test_unknown_stage_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "deployment.json").write_text(json.dumps(DEPLOYMENT))
    assert verify.main(["--deployment", str(tmp_path / "deployment.json"), "--stage", "prod"], session=Target("x")) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'deployment.json'} has no stage 'prod'"


def test_smoke_request_must_be_answered(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "request.csv").write_text("1,2,3\n")
    for config in ("churn-staging-v3", "churn-staging-v3-broken"):
        stage = {**DEPLOYMENT["stages"][0], "endpoint_config": config}
        (tmp_path / f"{config}.json").write_text(json.dumps({**DEPLOYMENT, "stages": [stage]}))
    target, broken = Target("churn-staging-v3"), Target("churn-staging-v3-broken")

    def run(config: str, session: Target) -> int:
        return verify.main(["--deployment", str(tmp_path / f"{config}.json"), "--stage", "staging",
                            "--smoke-request", str(tmp_path / "request.csv")], session=session)

    assert run("churn-staging-v3", target) == 0
    assert target.smoke_requests == 3 and capsys.readouterr().out.strip().endswith("; smoke test answered '0.98'")
    assert run("churn-staging-v3-broken", broken) == 1
    assert capsys.readouterr().err.strip() == "error: staging: endpoint churn-staging smoke test failed: Received server error (500)"


class Tooling:
    """The tooling account: the stage's stack set instances and the caller's partition."""

    def __init__(self, accounts: list[str]) -> None:
        self.accounts = accounts

    def client(self, name: str) -> Any:
        return self

    def get_caller_identity(self) -> dict[str, str]:
        return {"Arn": "arn:aws-cn:sts::123456789012:assumed-role/verify/build"}

    def get_paginator(self, name: str) -> Any:
        assert name == "list_stack_instances"
        return self

    def paginate(self, StackSetName: str) -> list[dict[str, Any]]:
        assert StackSetName == "churn-staging"
        return [{"Summaries": [{"Account": a, "Region": "us-east-1"} for a in self.accounts]}]


def _run_stack_set(tmp_path: Path, accounts: list[str], targets: dict[str, Target], capsys: Any) -> tuple[int, str, str, list[str]]:
    (tmp_path / "deployment.json").write_text(json.dumps(DEPLOYMENT))
    opened: list[str] = []

    def open_session(role_arn: str) -> Target:
        opened.append(role_arn)
        return targets[role_arn.split(":")[4]]

    code = verify.main(["--deployment", str(tmp_path / "deployment.json"), "--stage", "staging", "--stack-set", "churn-staging",
                        "--verifier-role-name", "churn-deploy-verifier"], session=Tooling(accounts), open_session=open_session)
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip(), opened


def test_every_account_of_the_stack_set_is_verified_through_its_own_verifier_role(tmp_path: Path, capsys: Any) -> None:
    targets = {"222222222222": Target("churn-staging-v3"), "444444444444": Target("churn-staging-v3")}
    code, out, err, opened = _run_stack_set(tmp_path, ["444444444444", "222222222222", "222222222222"], targets, capsys)
    assert (code, err) == (0, "")
    assert opened == ["arn:aws-cn:iam::222222222222:role/churn-deploy-verifier", "arn:aws-cn:iam::444444444444:role/churn-deploy-verifier"]
    assert out.splitlines() == [
        f"staging: endpoint churn-staging InService on churn-staging-v3 (model package version 3); "
        f"alarms churn-staging-5xx, churn-staging-model-latency OK (account {account})" for account in ("222222222222", "444444444444")]


def test_one_account_rolled_back_fails_the_stage_naming_the_account(tmp_path: Path, capsys: Any) -> None:
    reason = "Deployment of churn-staging-v3 was rolled back: alarm churn-staging-5xx went to ALARM"
    targets = {"222222222222": Target("churn-staging-v3"), "444444444444": Target("churn-staging-v2", reason)}
    code, _, err, _ = _run_stack_set(tmp_path, ["222222222222", "444444444444"], targets, capsys)
    assert (code, err) == (1, f"error: staging (account 444444444444): endpoint churn-staging is InService on churn-staging-v2, "
                              f"not churn-staging-v3: {reason}")


def test_a_stack_set_without_instances_fails(tmp_path: Path, capsys: Any) -> None:
    code, _, err, _ = _run_stack_set(tmp_path, [], {}, capsys)
    assert (code, err) == (1, "error: staging: stack set churn-staging has no stack instance")
