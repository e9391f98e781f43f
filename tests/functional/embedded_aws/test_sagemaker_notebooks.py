"""Extensions sagemaker-notebook-lifecycle and cfn-sagemaker-notebooks."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.faults import FAULTS
from support import event_queue, queued_events, wait_for

ROLE = "arn:aws:iam::123456789012:role/notebook"


def _status(sm: object, name: str = "nb") -> str:
    return sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]  # type: ignore[attr-defined]


def _until(sm: object, status: str, name: str = "nb") -> str:
    return wait_for(lambda: _status(sm, name) == status and status, timeout=10)


def _record_events(aws: EmbeddedAws) -> str:
    """Route the account's notebook state-change events to a queue; return its URL."""
    return event_queue(aws, "notebook-events", {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Notebook Instance State Change"]})


def _statuses_seen(aws: EmbeddedAws, url: str) -> list[str]:
    return [event["detail"]["NotebookInstanceStatus"] for event in queued_events(aws, url)]


def test_lifecycle_takes_time_and_emits_each_state(aws: EmbeddedAws) -> None:
    url = _record_events(aws)
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                Tags=[{"Key": "owner", "Value": "ana"}], PlatformIdentifier="notebook-al2023-v1")
    assert _status(sm) == "Pending"
    _until(sm, "InService")
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    assert _status(sm) == "Stopping"
    _until(sm, "Stopped")
    sm.delete_notebook_instance(NotebookInstanceName="nb")
    wait_for(lambda: not sm.list_notebook_instances()["NotebookInstances"])
    seen = wait_for(lambda: (s := _statuses_seen(aws, url)) and "Deleting" in s and s)
    assert seen == ["Pending", "InService", "Stopping", "Stopped", "Deleting"]  # no status says the deletion ended


def test_event_detail_carries_name_status_and_tags(aws: EmbeddedAws) -> None:
    url = _record_events(aws)
    aws.client("sagemaker").create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                                     Tags=[{"Key": "owner", "Value": "ana"}])
    body = json.loads(wait_for(lambda: aws.client("sqs").receive_message(QueueUrl=url).get("Messages"))[0]["Body"])
    assert (body["source"], body["detail-type"]) == ("aws.sagemaker", "SageMaker Notebook Instance State Change")
    assert body["resources"] == ["arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"]
    assert {k: body["detail"][k] for k in ("NotebookInstanceName", "NotebookInstanceStatus", "Tags", "PlatformIdentifier")} == {
        "NotebookInstanceName": "nb", "NotebookInstanceStatus": "Pending", "Tags": {"owner": "ana"}, "PlatformIdentifier": "notebook-al2-v2"}


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("stop_notebook_instance", "Status (Pending) not in ([InService]). Unable to transition to (Stopping)"),
        ("start_notebook_instance", "Status (Pending) not in ([Stopped, Failed]). Unable to transition to (Pending)"),
        ("delete_notebook_instance", "Status (Pending) not in ([Stopped, Failed]). Unable to transition to (Deleting)"),
    ],
)
def test_transitions_from_the_wrong_state_are_refused(aws: EmbeddedAws, action: str, message: str) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    with pytest.raises(ClientError) as raised:
        getattr(sm, action)(NotebookInstanceName="nb")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == f"{message} for Notebook Instance (arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb)"


def test_capacity_fault_fails_the_launch_with_a_reason(aws: EmbeddedAws) -> None:
    FAULTS.exhaust_capacity("ml.p3.2xlarge")
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.p3.2xlarge", RoleArn=ROLE)
    _until(sm, "Failed")
    reason = sm.describe_notebook_instance(NotebookInstanceName="nb")["FailureReason"]
    assert reason.startswith("InsufficientInstanceCapacity: We currently do not have sufficient ml.p3.2xlarge capacity")


def test_update_changes_a_stopped_instance(aws: EmbeddedAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    _until(sm, "InService")
    with pytest.raises(ClientError):
        sm.update_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.large")
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    _until(sm, "Stopped")
    sm.update_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.large", PlatformIdentifier="notebook-al2023-v1")
    assert _status(sm) == "Updating"
    _until(sm, "Stopped")
    described = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert (described["InstanceType"], described["PlatformIdentifier"]) == ("ml.t3.large", "notebook-al2023-v1")


@pytest.mark.parametrize(("platform", "message"), [
    ("notebook-al2-v1", "PlatformIdentifier notebook-al2-v1 is not supported for this service"),
    ("notebook-al9", "Value 'notebook-al9' at 'platformIdentifier' failed to satisfy constraint"),
])
def test_platform_identifier_is_validated(aws: EmbeddedAws, platform: str, message: str) -> None:
    sm = aws.client("sagemaker")
    with pytest.raises(ClientError) as raised:
        sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE, PlatformIdentifier=platform)
    assert raised.value.response["Error"]["Message"].startswith(message)
    assert sm.list_notebook_instances()["NotebookInstances"] == []


def test_presigned_url_names_the_notebook_and_bounds_the_session(aws: EmbeddedAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
    url = sm.create_presigned_notebook_instance_url(NotebookInstanceName="nb", SessionExpirationDurationInSeconds=1800)["AuthorizedUrl"]
    assert url.startswith("https://nb.notebook.us-east-1.sagemaker.aws?authToken=")
    with pytest.raises(ClientError) as raised:
        sm.create_presigned_notebook_instance_url(NotebookInstanceName="missing")
    assert raised.value.response["Error"]["Message"] == "RecordNotFound"


def test_without_extension_notebooks_are_in_service_at_once(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-sagemaker-notebooks"), extensions.disabled("sagemaker-notebook-lifecycle"):
        sm = aws.client("sagemaker")
        sm.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE)
        assert _status(sm) == "InService"


NOTEBOOK_STACK = {"Resources": {"Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
    "NotebookInstanceName": "ana-Notebook", "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "VolumeSizeInGB": "20",
    "DirectInternetAccess": "Disabled", "SubnetId": "subnet-1", "SecurityGroupIds": ["sg-1"],
    "Tags": [{"Key": "owner", "Value": "ana"}]}}}}


def test_cloudformation_keeps_name_and_properties_and_stops_before_deleting(aws: EmbeddedAws) -> None:
    cfn, sm = aws.client("cloudformation"), aws.client("sagemaker")
    cfn.create_stack(StackName="nb", TemplateBody=json.dumps(NOTEBOOK_STACK))
    described = sm.describe_notebook_instance(NotebookInstanceName="ana-Notebook")
    assert (described["VolumeSizeInGB"], described["DirectInternetAccess"], described["SubnetId"]) == (20, "Disabled", "subnet-1")
    _until(sm, "InService", "ana-Notebook")
    cfn.delete_stack(StackName="nb")
    wait_for(lambda: not sm.list_notebook_instances()["NotebookInstances"])


def test_without_cfn_extension_the_name_is_generated(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-sagemaker-notebooks"):
        aws.client("cloudformation").create_stack(StackName="nb", TemplateBody=json.dumps(NOTEBOOK_STACK))
    [instance] = aws.client("sagemaker").list_notebook_instances()["NotebookInstances"]
    assert instance["NotebookInstanceName"] != "ana-Notebook"


def test_current_instance_types_are_accepted_and_unknown_ones_refused(aws: EmbeddedAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="gpu", InstanceType="ml.g4dn.xlarge", RoleArn=ROLE)
    with pytest.raises(ClientError) as raised:
        sm.create_notebook_instance(NotebookInstanceName="odd", InstanceType="ml.x9.mega", RoleArn=ROLE)
    assert raised.value.response["Error"]["Message"].startswith("Value 'ml.x9.mega' at 'instanceType' failed to satisfy constraint")
