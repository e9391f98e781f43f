"""Golden ASL of the platform's state machines: rendered, reviewed, structurally sound."""

from __future__ import annotations

import json

import pytest

from mlops_infra.checks.state_machines import definition_findings
from mlops_infra.render import definition_text, state_machines
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


def test_definitions_are_valid_asl_with_real_sdk_operations(rendered: dict[str, dict]) -> None:
    for name, asl in rendered.items():
        assert definition_findings(asl, name) == [], name


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
    assert "ServiceCatalog.AWSServiceCatalogException" in retry["ErrorEquals"]  # Service Catalog does not model throttling
    assert (retry["BackoffRate"], retry["MaxAttempts"], retry["JitterStrategy"]) == (2, 6, "FULL")
    store = rendered[PROVISIONING]["States"]["Store URL"]["Retry"][0]
    assert {"Ssm.ThrottlingException", "Ssm.TooManyUpdatesException"} <= set(store["ErrorEquals"])


#: Optimized integrations: resource prefix → (error prefix, botocore service whose modelled errors they raise)
OPTIMIZED = {"dynamodb:": ("DynamoDB", "dynamodb"), "lambda:": ("Lambda", "lambda")}
#: What Step Functions' documentation names besides the modelled errors (the Java SDK's client and base exceptions).
OPTIMIZED_EXTRA = {"Lambda": {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                              "Lambda.ClientExecutionTimeoutException"},
                   "DynamoDB": {"DynamoDB.AmazonDynamoDBException"}}


def raisable_errors(resource: str) -> set[str] | None:
    """The error names a Task with ``resource`` can raise besides States.*: its service's modelled errors and base one."""
    import botocore.session

    from embedded_aws.extensions.sfn_sdk_error_names import SERVICES, service_error_name

    tail = resource.split(":::", 1)[-1]
    if tail.startswith("aws-sdk:"):
        service = tail.split(":")[1]
        prefix, botocore_name = service_error_name(service), service
        base = {f"{prefix}.{SERVICES[service][1]}"} if service in SERVICES else set()
    else:
        found = next((v for k, v in OPTIMIZED.items() if tail.startswith(k)), None)
        if found is None:
            return None
        (prefix, botocore_name) = found
        base = OPTIMIZED_EXTRA[prefix]
    model = botocore.session.get_session().get_service_model(botocore_name)
    modelled = {f"{prefix}.{e.name}" if e.name.endswith("Exception") else f"{prefix}.{e.name}Exception" for e in model.error_shapes}
    return modelled | base


def test_every_retried_or_caught_error_is_one_aws_can_raise(rendered: dict[str, dict]) -> None:
    # a name AWS never raises makes a Retry or Catch that never fires: the throttling retries named such errors once
    unknown = []
    for machine, asl in rendered.items():
        for name, state in asl["States"].items():
            raisable = raisable_errors(str(state.get("Resource", ""))) if state.get("Type") == "Task" else None
            for rule in [*state.get("Retry", []), *state.get("Catch", [])]:
                for error in rule["ErrorEquals"]:
                    if error.startswith("States.") or (raisable is not None and error in raisable):
                        continue
                    if raisable is not None:
                        unknown.append(f"{machine}/{name}: {error}")
    assert unknown == []


def test_definition_text_renders_references_as_placeholders() -> None:
    joined = {"Fn::Join": ["", ['{"R":"', {"Fn::GetAtt": ["Fn1234ABCD", "Arn"]}, '","P":"', {"Ref": "AWS::Partition"}, '"}']]}
    assert json.loads(definition_text(joined)) == {"R": "${Fn.Arn}", "P": "${AWS::Partition}"}
