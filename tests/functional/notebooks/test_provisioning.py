"""Notebook provisioning on the embedded AWS: the deployed state machine, Lambdas, catalog and status handler."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws.faults import FAULTS
from mlops_runtime.notebooks.requests import InvalidRequest, NotebookRequest
from mlops_runtime.notebooks.service import ProvisioningFailed
from support import Platform, wait_for, wait_for_execution


def _history(platform: Platform, execution_arn: str) -> list[dict]:
    return platform.client("stepfunctions").get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def test_request_ends_with_url_in_owner_only_secure_string(platform: Platform) -> None:
    result = platform.service.request(NotebookRequest(user="ana", request_id="req-ana"))
    assert (result["status"], result["notebook_status"], result["owner"]) == ("COMPLETED", "InService", "ana")
    ssm = platform.client("ssm")
    parameter = ssm.get_parameter(Name="/SageMaker/Notebooks/ana-Notebook", WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert parameter["Value"].startswith("https://ana-Notebook.notebook.us-east-1.sagemaker.aws?authToken=")
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/SageMaker/Notebooks/ana-Notebook"]}])["Parameters"][0]
    assert described["KeyId"] == platform.outputs["ArtifactsKeyArn"]
    assert described["Description"].startswith("Presigned URL of ana-Notebook issued ")  # and for how long it opens the notebook
    assert described["Description"].endswith(": it opens the notebook for 5 minutes only; read a fresh one with mlops notebook url or "
                                              "GET /notebooks/url")
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/SageMaker/Notebooks/ana-Notebook")["TagList"]
    assert tags == [{"Key": "owner", "Value": "ana"}]
    assert result["url_parameter"] == "/SageMaker/Notebooks/ana-Notebook"
    notebook = platform.client("sagemaker").describe_notebook_instance(NotebookInstanceName="ana-Notebook")
    assert (notebook["InstanceType"], notebook["PlatformIdentifier"], notebook["VolumeSizeInGB"]) == ("ml.t3.medium", "notebook-al2023-v1", 20)
    assert notebook["RoleArn"] == "arn:aws:iam::123456789012:role/mlops-notebook-execution"
    assert notebook["NotebookInstanceLifecycleConfigName"] == "mlops-notebook-lifecycle"
    assert notebook["KmsKeyId"] == platform.outputs["ArtifactsKeyArn"]
    assert notebook["DirectInternetAccess"] == "Enabled" and "SubnetId" not in notebook
    tags = {t["Key"]: t["Value"] for t in platform.client("sagemaker").list_tags(ResourceArn=notebook["NotebookInstanceArn"])["Tags"]}
    assert tags["ebs-backup-bucket"] == "mlops-notebook-backups-123456789012-us-east-1"
    assert (tags["owner"], tags["backup-snapshot"]) == ("ana", "none")
    rules = platform.client("s3").get_bucket_lifecycle_configuration(Bucket=tags["ebs-backup-bucket"])["Rules"]
    assert rules[0]["Expiration"] == {"Days": 30}


def test_provisioning_uses_the_callback_not_a_poll_loop(platform: Platform) -> None:
    result = platform.service.request(NotebookRequest(user="bob", instance_type="ml.t3.large", request_id="req-bob",
                                                      restore_snapshot="bob-Notebook_2026-11-24-10-00-00"))
    arn = platform.client("sagemaker").describe_notebook_instance(NotebookInstanceName="bob-Notebook")["NotebookInstanceArn"]
    tags = {t["Key"]: t["Value"] for t in platform.client("sagemaker").list_tags(ResourceArn=arn)["Tags"]}
    assert tags["backup-snapshot"] == "bob-Notebook_2026-11-24-10-00-00"
    states = [e["stateEnteredEventDetails"]["name"] for e in _history(platform, result["execution_arn"]) if "stateEnteredEventDetails" in e]
    assert "Wait for notebook" in states
    assert "Check progress" not in states  # released by the event (or at registration), never by polling
    assert len(states) <= 15


def test_duplicate_request_events_provision_one_notebook(platform: Platform) -> None:
    events = platform.client("events")
    detail = json.dumps({"user": "cy", "request_id": "req-cy"})
    for _ in range(3):
        events.put_events(Entries=[{"Source": "mlops.notebooks", "DetailType": "Notebook Requested", "Detail": detail}])
    sfn = platform.client("stepfunctions")
    arn = platform.outputs["NotebookProvisioningStateMachineArn"]
    executions = wait_for(lambda: len(e := [x for x in sfn.list_executions(stateMachineArn=arn)["executions"]
                                           if "req-cy" in json.dumps(sfn.describe_execution(executionArn=x["executionArn"])["input"])]) == 3 and e)
    outcomes = sorted(wait_for_execution(sfn, e["executionArn"], timeout=30)["status"] for e in executions)
    assert outcomes == ["SUCCEEDED"] * 3
    products = platform.client("servicecatalog").search_provisioned_products(Filters={"SearchQuery": ["name:cy-Notebook"]})
    assert products["TotalResultsCount"] == 1
    names = [n["NotebookInstanceName"] for n in platform.client("sagemaker").list_notebook_instances()["NotebookInstances"]]
    assert names.count("cy-Notebook") == 1


def test_launch_failure_is_recorded_with_its_reason_and_leaves_no_url(platform: Platform) -> None:
    FAULTS.exhaust_capacity("ml.g4dn.xlarge")
    with pytest.raises(ProvisioningFailed) as raised:
        platform.service.request(NotebookRequest(user="dee", instance_type="ml.g4dn.xlarge", request_id="req-dee"))
    assert "NotebookFailed" in str(raised.value) and "InsufficientInstanceCapacity" in str(raised.value)
    record = platform.service.status("dee")
    assert record["status"] == "FAILED"
    assert record["failure_reason"].startswith("InsufficientInstanceCapacity: We currently do not have sufficient ml.g4dn.xlarge")
    with pytest.raises(ClientError) as missing:
        platform.client("ssm").get_parameter(Name="/SageMaker/Notebooks/dee-Notebook")
    assert missing.value.response["Error"]["Code"] == "ParameterNotFound"


@pytest.mark.parametrize(("fields", "message"), [
    ({"user": "eve", "instance_type": "ml.p4d.24xlarge"}, "instance type 'ml.p4d.24xlarge' is not allowed; choose one of: ml.t3.medium"),
    ({"user": "e" * 41}, f"user name '{'e' * 41}' is too long: at most 40 characters"),
    ({"user": "zed"}, "unknown user 'zed': no IAM user of that name in the platform account"),
    ({"user": "eve", "volume_size_gb": 4096}, "volume size (GB) 4096 is out of bounds: 5-512"),
], ids=["instance-type", "name-too-long", "unknown-user", "volume-too-big"])
def test_bad_requests_are_refused_before_anything_is_created(platform: Platform, fields: dict, message: str) -> None:
    sfn = platform.client("stepfunctions")
    before = len(sfn.list_executions(stateMachineArn=platform.outputs["NotebookProvisioningStateMachineArn"])["executions"])
    with pytest.raises(InvalidRequest) as raised:
        platform.service.request(NotebookRequest(**fields))
    assert str(raised.value).startswith(message)
    assert len(sfn.list_executions(stateMachineArn=platform.outputs["NotebookProvisioningStateMachineArn"])["executions"]) == before


def test_state_machine_refuses_bad_input_without_recording_anything(platform: Platform) -> None:
    sfn = platform.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=platform.outputs["NotebookProvisioningStateMachineArn"],
                                    input=json.dumps({"user": "zed", "request_id": "req-zed"}))["executionArn"]
    described = wait_for_execution(sfn, execution)
    assert (described["status"], described["error"]) == ("FAILED", "InvalidRequest")
    assert described["cause"] == 'unknown user "zed": no IAM user of that name in the platform account'
    assert platform.service.records.get("zed-Notebook") is None


def _fault(platform: Platform, kind: str, **body: object) -> None:
    """Put a fault in force through the running embedded AWS's HTTP API (what ``mlops local fault`` calls)."""
    import requests

    answer = requests.post(f"{platform.aws.endpoint_url}/_embedded/faults/{kind}", json=body, timeout=10)
    assert answer.status_code == 201, answer.text


def test_an_injected_start_failure_ends_the_execution_failed_with_the_reason_recorded_and_no_url(platform: Platform) -> None:
    _fault(platform, "notebook-start", notebook="gus-Notebook", reason="InternalFailure: the instance did not boot")
    with pytest.raises(ProvisioningFailed) as raised:
        platform.service.request(NotebookRequest(user="gus", request_id="req-gus"))
    assert "the instance did not boot" in str(raised.value)
    sfn = platform.client("stepfunctions")
    described = sfn.describe_execution(executionArn=platform.service.status("gus")["execution_arn"])
    assert described["status"] == "FAILED"
    assert platform.service.status("gus")["failure_reason"] == "InternalFailure: the instance did not boot"
    with pytest.raises(ClientError) as missing:
        platform.client("ssm").get_parameter(Name="/SageMaker/Notebooks/gus-Notebook")
    assert missing.value.response["Error"]["Code"] == "ParameterNotFound"


def test_throttled_provisioning_is_retried_until_it_goes_through(platform: Platform) -> None:
    _fault(platform, "throttle", service="servicecatalog", operation="ProvisionProduct", times=2)
    result = platform.service.request(NotebookRequest(user="fay", request_id="req-fay"))
    assert result["status"] == "COMPLETED"
    history = platform.client("stepfunctions").get_execution_history(executionArn=platform.service.status("fay")["execution_arn"])["events"]
    failures = [e for e in history if e["type"] == "TaskFailed"]
    assert len(failures) == 2, [e["type"] for e in history] and all("ServiceCatalog.AWSServiceCatalogException" in json.dumps(e, default=str) for e in failures)
