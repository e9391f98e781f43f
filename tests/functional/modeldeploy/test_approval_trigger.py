"""The deployment trigger fires on approvals only, and the latest approved version is the one deployed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from mlops_platform.modeldeploy.packages import latest_approved, set_approval
from mlops_runtime.contracts import approval_event_pattern
from support import wait_for

GROUP = "churn"


def _register(sm: Any, group: str = GROUP, status: str = "PendingManualApproval") -> str:
    return sm.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus=status, InferenceSpecification={
        "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                        "ModelDataUrl": f"s3://models/{group}/{time.monotonic_ns()}/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        CustomerMetadataProperties={"accuracy": "0.91"})["ModelPackageArn"]


@pytest.fixture
def trigger(aws: EmbeddedAws) -> Any:
    """A rule with the platform's pattern delivering to a queue, so each match can be counted."""
    sqs, events, sm = aws.client("sqs"), aws.client("events"), aws.client("sagemaker")
    queue = sqs.create_queue(QueueName="deployments")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="deploy-on-approval", EventPattern=json.dumps(approval_event_pattern(GROUP)))
    events.put_targets(Rule="deploy-on-approval", Targets=[{"Id": "queue", "Arn": arn}])
    for group in (GROUP, "other"):
        sm.create_model_package_group(ModelPackageGroupName=group)

    def received() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return received


def test_only_approvals_of_the_group_trigger(aws: EmbeddedAws, trigger: Any) -> None:
    sm = aws.client("sagemaker")
    pending = _register(sm)
    rejected = _register(sm)
    set_approval(sm, rejected, "Rejected", "bias check failed")
    set_approval(sm, _register(sm, group="other"), "Approved")
    time.sleep(0.3)
    assert trigger() == []
    approved = set_approval(sm, pending, "Approved", "reviewed by ds-lead")
    [event] = wait_for(trigger)
    assert (event["source"], event["detail-type"]) == ("aws.sagemaker", "SageMaker Model Package State Change")
    assert event["detail"]["ModelPackageArn"] == pending and event["detail"]["ModelApprovalStatus"] == "Approved"
    assert event["detail"]["ModelPackageGroupName"] == GROUP and event["detail"]["ModelPackageVersion"] == 1
    assert approved["ApprovalDescription"] == "reviewed by ds-lead"
    assert approved["CustomerMetadataProperties"] == {"accuracy": "0.91"}  # an update keeps what it was not given


def test_a_package_registered_as_approved_triggers_too(aws: EmbeddedAws, trigger: Any) -> None:
    arn = _register(aws.client("sagemaker"), status="Approved")
    [event] = wait_for(trigger)
    assert event["detail"]["ModelPackageArn"] == arn


def test_latest_approved_is_the_newest_approved_version(aws: EmbeddedAws, trigger: Any) -> None:
    sm = aws.client("sagemaker")
    first, second, third, fourth = (_register(sm) for _ in range(4))
    for arn in (first, second, fourth):
        set_approval(sm, arn, "Approved")
    set_approval(sm, fourth, "Rejected", "rolled back")
    chosen = latest_approved(sm, GROUP)
    assert chosen["ModelPackageArn"] == second and chosen["ModelPackageVersion"] == 2
    with pytest.raises(LookupError, match="no approved model package in other"):
        latest_approved(sm, "other")


def test_without_the_extension_no_event_is_sent(aws: EmbeddedAws, trigger: Any) -> None:
    with extensions.disabled("sagemaker-model-package-events"):
        set_approval(aws.client("sagemaker"), _register(aws.client("sagemaker")), "Approved")
        time.sleep(0.3)
        assert trigger() == []
