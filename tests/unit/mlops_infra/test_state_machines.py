"""Golden ASL of the platform's state machines: rendered, reviewed, structurally sound."""

from __future__ import annotations

import json

import pytest

from mlops_infra.render import definition_text, state_machines, structural_errors
from mlops_infra.synth import DEFINITIONS_DIR, SynthesizedStack

PROVISIONING = "mlops-notebook-provisioning"


@pytest.fixture(scope="module")
def rendered(synthesized: dict[str, SynthesizedStack]) -> dict[str, dict]:
    return state_machines(synthesized["mlops-tooling"].template)


def test_golden_definitions_match_the_cdk_app(rendered: dict[str, dict]) -> None:
    for name, asl in rendered.items():
        golden = DEFINITIONS_DIR / f"{name}.asl.json"
        assert golden.exists() and json.loads(golden.read_text()) == asl, f"{golden.name} drifted: run `mlops synth --export-templates`"
    assert sorted(p.name for p in DEFINITIONS_DIR.glob("*.asl.json")) == sorted(f"{n}.asl.json" for n in rendered)


def test_definitions_are_structurally_sound(rendered: dict[str, dict]) -> None:
    for name, asl in rendered.items():
        assert structural_errors(asl) == [], name


def test_provisioning_waits_on_a_task_token_with_a_timeout(rendered: dict[str, dict]) -> None:
    wait = rendered[PROVISIONING]["States"]["Wait for notebook"]
    assert wait["Resource"] == "arn:${AWS::Partition}:states:::lambda:invoke.waitForTaskToken"
    assert wait["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    assert wait["TimeoutSecondsPath"] == "$.wait.poll_seconds"
    assert [c["ErrorEquals"] for c in wait["Catch"]] == [["States.Timeout"], ["States.ALL"]]


def test_every_failure_is_recorded_before_the_execution_fails(rendered: dict[str, dict]) -> None:
    states = rendered[PROVISIONING]["States"]
    for name in ("Provision product", "Save provisioning record", "Create presigned URL", "Store URL", "Record URL", "Check progress"):
        assert any(c["Next"] == "Record failure" for c in states[name]["Catch"]), name
    assert states["Record failure"]["Next"] == "Remove URL parameter"
    assert states["Remove URL parameter"]["Next"] == "Provisioning failed (recorded)"


def test_duplicate_requests_end_as_no_ops(rendered: dict[str, dict]) -> None:
    record = rendered[PROVISIONING]["States"]["Record request"]
    assert record["Parameters"]["ConditionExpression"] == (
        "attribute_not_exists(environment_id) OR (#s IN (:terminated, :failed) AND request_id <> :rid)")
    assert record["Catch"] == [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.error", "Next": "Already requested"}]


def test_the_url_is_a_secure_string_under_the_platform_key(rendered: dict[str, dict]) -> None:
    store = rendered[PROVISIONING]["States"]["Store URL"]["Parameters"]
    assert (store["Type"], store["Name.$"], store["KeyId"]) == ("SecureString", "$.url_parameter", "${ArtifactsKey.Arn}")


def test_throttling_is_retried_with_backoff(rendered: dict[str, dict]) -> None:
    retry = rendered[PROVISIONING]["States"]["Provision product"]["Retry"][0]
    assert "ServiceCatalog.ThrottlingException" in retry["ErrorEquals"]
    assert (retry["BackoffRate"], retry["MaxAttempts"], retry["JitterStrategy"]) == (2, 6, "FULL")


@pytest.mark.parametrize(("asl", "error"), [
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}, "A: Next 'B' is not a state"),
    ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, "StartAt 'X' is not a state"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Succeed"}}}, "B: unreachable"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task"}}}, "A: neither Next nor End"),
])
def test_structural_errors_are_found(asl: dict, error: str) -> None:
    assert error in structural_errors(asl)


def test_definition_text_renders_references_as_placeholders() -> None:
    joined = {"Fn::Join": ["", ['{"R":"', {"Fn::GetAtt": ["Fn1234ABCD", "Arn"]}, '","P":"', {"Ref": "AWS::Partition"}, '"}']]}
    assert json.loads(definition_text(joined)) == {"R": "${Fn.Arn}", "P": "${AWS::Partition}"}
