"""A notebook launched from the Service Catalog console: adopted through CloudTrail's event, or refused and terminated."""

from __future__ import annotations

from typing import Any

from embedded_aws.clients import credentials_client
from support import Platform, wait_for

PARAMETER = "/SageMaker/Notebooks/{}-Notebook"


def _as_analyst(platform: Platform, user: str) -> Any:
    key = platform.client("iam").create_access_key(UserName=user)["AccessKey"]
    return lambda service: credentials_client(platform.aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"],
                                              region=platform.aws.region)


def _launch(platform: Platform, clients: Any, name: str, parameters: dict[str, str], token: str) -> dict[str, Any]:
    """ProvisionProduct as the console makes it: the analyst's own keys, the analyst's choices only."""
    return dict(clients("servicecatalog").provision_product(
        ProductId=platform.outputs["NotebookProductId"], ProvisioningArtifactName="v1", ProvisionedProductName=name,
        ProvisionToken=token, ProvisioningParameters=[{"Key": k, "Value": v} for k, v in parameters.items()])["RecordDetail"])


def _executions(platform: Platform, status: str | None = None) -> list[dict[str, Any]]:
    sfn = platform.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=platform.outputs["NotebookProvisioningStateMachineArn"])["executions"]
    return [e for e in found if status is None or e["status"] == status]


def test_a_console_launch_is_adopted_and_its_url_lands_in_parameter_store(platform: Platform) -> None:
    as_ana = _as_analyst(platform, "ana")
    record = _launch(platform, as_ana, "my-notebook", {"UserName": "ana", "InstanceType": "ml.t3.large"}, token="console-1")
    ssm = platform.client("ssm")
    parameter = wait_for(lambda: ssm.get_parameters(Names=[PARAMETER.format("ana")])["Parameters"], timeout=60)
    assert parameter[0]["Type"] == "SecureString"
    # the URL is stored, then tagged (PutParameter cannot tag a parameter it overwrites): wait for the tag
    tags = wait_for(lambda: ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=PARAMETER.format("ana"))["TagList"],
                    timeout=30)
    assert tags == [{"Key": "owner", "Value": "ana"}]
    status = wait_for(lambda: (s := platform.service.status("ana"))["status"] == "COMPLETED" and s, timeout=30)
    assert (status["owner"], status["request_id"], status["provisioned_product_id"]) == (
        "ana", record["RecordId"], record["ProvisionedProductId"])
    notebook = platform.client("sagemaker").describe_notebook_instance(NotebookInstanceName="ana-Notebook")
    assert notebook["InstanceType"] == "ml.t3.large"  # the analyst's choice; the rest is the platform's, read from SSM
    assert notebook["RoleArn"] == "arn:aws:iam::123456789012:role/mlops-notebook-execution"
    assert (notebook["NotebookInstanceLifecycleConfigName"], notebook["KmsKeyId"]) == (
        "mlops-notebook-lifecycle", platform.outputs["ArtifactsKeyArn"])
    # one execution did the work (the launch itself made no other provisioning call)
    [done] = wait_for(lambda: _executions(platform, "SUCCEEDED") or None)
    assert done["status"] == "SUCCEEDED"
    assert platform.client("servicecatalog").describe_provisioned_product(Id=record["ProvisionedProductId"])[
        "ProvisionedProductDetail"]["Status"] == "AVAILABLE"


def test_a_launch_naming_someone_else_is_refused_recorded_and_terminated(platform: Platform) -> None:
    as_bob = _as_analyst(platform, "bob")
    record = _launch(platform, as_bob, "for-cy", {"UserName": "cy"}, token="console-2")
    failed = wait_for(lambda: [e for e in _executions(platform, "FAILED")] or None, timeout=60)
    history = platform.client("stepfunctions").describe_execution(executionArn=failed[0]["executionArn"])
    assert (history["error"], history["cause"]) == ("LaunchRefused", "bob launched a notebook for cy: analysts launch notebooks for themselves only")
    recorded = platform.service.records.get("cy-Notebook")
    assert recorded is not None
    assert (recorded["status"], recorded["owner"], recorded["failure_error"]) == ("FAILED", "bob", "LaunchRefused")
    assert recorded["failure_reason"] == "bob launched a notebook for cy: analysts launch notebooks for themselves only"
    sc = platform.client("servicecatalog")
    wait_for(lambda: sc.search_provisioned_products(Filters={"SearchQuery": [f"id:{record['ProvisionedProductId']}"]},
                                                    AccessLevelFilter={"Key": "Account", "Value": "self"})["TotalResultsCount"] == 0,
             timeout=30)
    notebooks = platform.client("sagemaker").list_notebook_instances(NameContains="cy-Notebook")["NotebookInstances"]
    assert [n["NotebookInstanceStatus"] for n in notebooks] in ([], ["Deleting"])  # nothing left running
    assert platform.client("ssm").get_parameters(Names=[PARAMETER.format("cy")])["Parameters"] == []


def test_platform_settings_are_not_the_analysts_to_set(platform: Platform) -> None:
    as_dee = _as_analyst(platform, "dee")
    _launch(platform, as_dee, "my-own-role", {"UserName": "dee", "NotebookRoleArn": "/mlops/notebook-product/KmsKeyId"}, token="console-3")
    recorded = wait_for(lambda: (r := platform.service.records.get("dee-Notebook")) and r.get("status") == "FAILED" and r, timeout=60)
    assert recorded["failure_reason"] == "dee set NotebookRoleArn: the platform sets these on every notebook"


def test_a_launch_delivered_twice_is_adopted_once(platform: Platform) -> None:
    """EventBridge delivers at least once: a second execution for the same launch does nothing."""
    as_eve = _as_analyst(platform, "eve")
    record = _launch(platform, as_eve, "eve-console", {"UserName": "eve"}, token="console-4")
    sfn = platform.client("stepfunctions")

    def adopted() -> dict[str, Any] | None:
        for execution in _executions(platform, "SUCCEEDED"):
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if record["RecordId"] in described["input"]:
                return dict(described)
        return None

    first = wait_for(adopted, timeout=60)
    again = sfn.start_execution(stateMachineArn=platform.outputs["NotebookProvisioningStateMachineArn"], input=first["input"])
    second = wait_for(lambda: (d := sfn.describe_execution(executionArn=again["executionArn"]))["status"] != "RUNNING" and d)
    assert second["status"] == "SUCCEEDED"
    states = [e["stateEnteredEventDetails"]["name"] for e in sfn.get_execution_history(executionArn=again["executionArn"])["events"]
              if "stateEnteredEventDetails" in e]
    assert states[-1] == "Already requested" and "Save provisioning record" not in states
    assert platform.service.status("eve")["request_id"] == record["RecordId"]
