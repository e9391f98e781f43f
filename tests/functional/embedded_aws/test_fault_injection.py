"""Extension fault-injection: failures put in force over HTTP on a running embedded AWS."""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import wait_for

NOTEBOOK = {"NotebookInstanceName": "ana-Notebook", "InstanceType": "ml.t3.medium", "RoleArn": "arn:aws:iam::123456789012:role/nb"}


def _faults(aws: EmbeddedAws, kind: str = "", method: str = "POST", **body: object) -> requests.Response:
    return requests.request(method, f"{aws.endpoint_url}/_embedded/faults{'/' + kind if kind else ''}", json=body or None, timeout=10)


def _status(aws: EmbeddedAws, name: str = "ana-Notebook") -> dict:
    return aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)


def test_throttled_operations_answer_the_services_throttling_error_then_recover(aws: EmbeddedAws) -> None:
    assert _faults(aws, "throttle", service="sagemaker", operation="ListNotebookInstances", times=2).status_code == 201
    assert _faults(aws, "throttle", service="cloudformation", operation="DescribeStacks").status_code == 201
    sagemaker = aws.client("sagemaker")
    for _ in range(2):
        with pytest.raises(ClientError) as throttled:
            sagemaker.list_notebook_instances()
        assert (throttled.value.response["Error"], throttled.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
            {"Code": "ThrottlingException", "Message": "Rate exceeded"}, 400)
    assert sagemaker.list_notebook_instances()["NotebookInstances"] == []
    with pytest.raises(ClientError) as query:
        aws.client("cloudformation").describe_stacks()
    assert query.value.response["Error"]["Code"] == "Throttling"
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []
    assert _faults(aws, method="GET").json()["throttles"] == []


def test_capacity_and_a_failed_start_end_the_notebook_failed_with_the_reason(aws: EmbeddedAws) -> None:
    sagemaker = aws.client("sagemaker")
    assert _faults(aws, "capacity", instance_type="ml.g4dn.xlarge").json()["capacity"] == ["ml.g4dn.xlarge"]
    sagemaker.create_notebook_instance(**{**NOTEBOOK, "NotebookInstanceName": "big", "InstanceType": "ml.g4dn.xlarge"})
    assert wait_for(lambda: (d := _status(aws, "big"))["NotebookInstanceStatus"] == "Failed" and d)["FailureReason"].startswith(
        "InsufficientInstanceCapacity")
    assert _faults(aws, "notebook-start", notebook="ana-Notebook", reason="the volume could not be attached").status_code == 201
    sagemaker.create_notebook_instance(**NOTEBOOK)
    failed = wait_for(lambda: (d := _status(aws))["NotebookInstanceStatus"] == "Failed" and d)
    assert failed["FailureReason"] == "the volume could not be attached"
    sagemaker.start_notebook_instance(NotebookInstanceName="ana-Notebook")  # used up: the next start succeeds
    wait_for(lambda: _status(aws)["NotebookInstanceStatus"] == "InService")
    assert _faults(aws, method="DELETE").json() == {"capacity": [], "throttles": [], "notebook_starts": []}


@pytest.mark.parametrize(("kind", "body", "error"), [
    ("throttle", {"service": "sagemaker", "times": 2}, "'operation' is required (a non-empty string)"),
    ("throttle", {"service": "sagemaker", "operation": "X", "times": 0}, "'times' must be a whole number of at least 1, got 0"),
    ("capacity", {}, "'instance_type' is required (a non-empty string)"),
    ("notebook-start", {"notebook": " "}, "'notebook' is required (a non-empty string)"),
])
def test_a_request_missing_what_the_fault_needs_is_refused_and_changes_nothing(aws: EmbeddedAws, kind: str, body: dict, error: str) -> None:
    answer = _faults(aws, kind, **body)
    assert (answer.status_code, answer.json()) == (400, {"error": error})
    assert _faults(aws, method="GET").json() == {"capacity": [], "throttles": [], "notebook_starts": []}


def test_without_the_extension_there_is_no_fault_api(aws: EmbeddedAws) -> None:
    with extensions.disabled("fault-injection"):
        assert _faults(aws, method="GET").status_code == 404


def test_the_cli_puts_faults_in_force_lists_and_clears_them(aws: EmbeddedAws, tmp_path: object) -> None:
    import json

    from click.testing import CliRunner

    from mlops_platform.cli.main import cli
    from mlops_platform.local.state import LocalState, save_state

    save_state(tmp_path, LocalState.from_dict(aws.describe()))

    def run(*args: str) -> object:
        return CliRunner().invoke(cli, ["local", "fault", *args, "--state-dir", str(tmp_path), "--output", "json"])

    assert json.loads(run("capacity", "--instance-type", "ml.t3.medium").stdout)["capacity"] == ["ml.t3.medium"]
    assert json.loads(run("throttle", "--service", "ssm", "--operation", "GetParameter", "--times", "3").stdout)["throttles"] == [
        {"service": "ssm", "operation": "GetParameter", "remaining": 3}]
    started = json.loads(run("notebook-start", "--user", "ana", "--reason", "no volume").stdout)
    assert started["notebook_starts"] == [{"notebook": "ana-Notebook", "reason": "no volume"}]
    assert json.loads(run("list").stdout) == started
    assert json.loads(run("clear").stdout) == {"capacity": [], "throttles": [], "notebook_starts": []}
    both = run("notebook-start", "--user", "ana", "--notebook", "x")
    assert both.exit_code == 2 and "give exactly one of --user and --notebook" in both.output
    text = CliRunner().invoke(cli, ["local", "fault", "list", "--state-dir", str(tmp_path)])
    assert text.exit_code == 0 and "no faults in force" in text.stdout


def test_the_cli_says_when_no_embedded_aws_runs(tmp_path: object) -> None:
    from click.testing import CliRunner

    from mlops_platform.cli.main import cli

    result = CliRunner().invoke(cli, ["local", "fault", "list", "--state-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no embedded AWS is running: start one with `mlops local up`" in result.output
