"""Console launches judged from CloudTrail's ProvisionProduct event: adopted, refused with a reason, or ignored."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_runtime.notebooks.adoption import ADOPTED, IGNORED, REFUSED, REQUESTED, adopt_launch, prepare

PRODUCT = "prod-notebook"


def _call(parameters: dict[str, str], identity: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    call = {"eventName": "ProvisionProduct", "eventSource": "servicecatalog.amazonaws.com",
            "userIdentity": identity or {"type": "IAMUser", "userName": "ana", "arn": "arn:aws:iam::123456789012:user/ana"},
            "requestParameters": {"productId": PRODUCT, "provisioningArtifactName": "v1", "provisionedProductName": "mine",
                                  "provisioningParameters": [{"key": k, "value": v} for k, v in parameters.items()]},
            "responseElements": {"recordDetail": {"recordId": "rec-1", "provisionedProductId": "pp-1"}}}
    call.update(changes)
    return call


def test_an_analyst_launching_for_themselves_is_adopted_with_their_choices() -> None:
    adopted = adopt_launch(_call({"UserName": "ana", "InstanceType": "ml.t3.large", "VolumeSizeInGB": "50"}), PRODUCT)
    assert (adopted["launch"], adopted["user"], adopted["request_id"]) == (ADOPTED, "ana", "rec-1")
    assert adopted["provisioning"] == {"record_id": "rec-1", "provisioned_product_id": "pp-1"}
    assert (adopted["environment_id"], adopted["url_parameter"]) == ("ana-Notebook", "/SageMaker/Notebooks/ana-Notebook")
    assert (adopted["instance_type"], adopted["volume_size_gb"]) == ("ml.t3.large", 50)


@pytest.mark.parametrize(("call", "reason"), [
    (_call({"UserName": "bob"}), "ana launched a notebook for bob: analysts launch notebooks for themselves only"),
    (_call({"UserName": "ana", "SubnetId": "/mlops/notebook-product/SubnetId", "KmsKeyId": "/x"}),
     "ana set KmsKeyId, SubnetId: the platform sets these on every notebook"),
    (_call({"UserName": "ana", "Colour": "blue"}), "ana set Colour, which the notebook product does not take"),
    (_call({"UserName": "ana", "InstanceType": "ml.p4d.24xlarge"}),
     "instance type 'ml.p4d.24xlarge' is not allowed; choose one of: ml.t3.medium, ml.t3.large, ml.t3.xlarge, ml.m5.xlarge, "
     "ml.m5.2xlarge, ml.c5.xlarge, ml.g4dn.xlarge"),
    (_call({"UserName": "ana"}, {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/admin/ana"}),
     "launched by arn:aws:sts::123456789012:assumed-role/admin/ana, who is not an analyst (an IAM user of the account)"),
], ids=["someone-else", "platform-settings", "unknown-parameter", "outside-limits", "not-an-iam-user"])
def test_refusals_name_the_reason_and_what_to_terminate(call: dict[str, Any], reason: str) -> None:
    refused = adopt_launch(call, PRODUCT)
    assert (refused["launch"], refused["error"]) == (REFUSED, {"Error": "LaunchRefused", "Cause": reason})
    assert refused["provisioning"] == {"record_id": "rec-1", "provisioned_product_id": "pp-1"}
    assert refused["request_id"] == "rec-1"


def test_the_refused_record_names_the_notebook_launched_and_the_caller_as_owner() -> None:
    refused = adopt_launch(_call({"UserName": "bob"}), PRODUCT)
    assert (refused["environment_id"], refused["owner"], refused["user"]) == ("bob-Notebook", "ana", "bob")


@pytest.mark.parametrize("call", [
    _call({"UserName": "ana"}, errorCode="ResourceNotFoundException", responseElements=None),
    _call({"UserName": "ana"}, eventName="TerminateProvisionedProduct"),
    _call({"UserName": "ana"}, requestParameters={"productId": "prod-other"}),
], ids=["refused-call", "other-operation", "other-product"])
def test_what_is_not_a_launch_of_the_product_is_ignored(call: dict[str, Any]) -> None:
    assert adopt_launch(call, PRODUCT)["launch"] == IGNORED


def test_prepare_expands_platform_requests_and_judges_console_launches() -> None:
    assert prepare({"user": "ana", "request_id": "r-1"}, PRODUCT)["launch"] == REQUESTED
    assert prepare({"console_launch": _call({"UserName": "ana"})}, PRODUCT)["launch"] == ADOPTED
