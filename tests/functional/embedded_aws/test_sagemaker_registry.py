"""Extensions cfn-sagemaker-model-package-group and sagemaker-registry-deletes."""

from __future__ import annotations

import json

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import server_error

GROUP = {"Models": {"Type": "AWS::SageMaker::ModelPackageGroup",
                    "Properties": {"ModelPackageGroupName": "churn", "ModelPackageGroupDescription": "churn models",
                                   "Tags": [{"Key": "project", "Value": "mlops"}]}}}
OUTPUTS = {"Arn": {"Value": {"Ref": "Models"}}, "Status": {"Value": {"Fn::GetAtt": ["Models", "ModelPackageGroupStatus"]}}}


def _package(sm, group: str = "churn") -> str:  # type: ignore[no-untyped-def]
    return sm.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval", InferenceSpecification={
        "Containers": [{"Image": "123.dkr.ecr.us-east-1.amazonaws.com/x:1", "ModelDataUrl": "s3://b/m.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]


def test_stack_creates_and_deletes_the_group(aws: EmbeddedAws) -> None:
    cfn, sm = aws.client("cloudformation"), aws.client("sagemaker")
    cfn.create_stack(StackName="registry", TemplateBody=json.dumps({"Resources": GROUP, "Outputs": OUTPUTS}))
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName="registry")["Stacks"][0]["Outputs"]}
    assert outputs == {"Arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn", "Status": "Completed"}
    group = sm.describe_model_package_group(ModelPackageGroupName="churn")
    assert group["ModelPackageGroupDescription"] == "churn models"
    assert sm.list_tags(ResourceArn=outputs["Arn"])["Tags"] == [{"Key": "project", "Value": "mlops"}]
    cfn.delete_stack(StackName="registry")
    with pytest.raises(sm.exceptions.ClientError):
        sm.describe_model_package_group(ModelPackageGroupName="churn")


def test_group_with_versions_cannot_be_deleted_until_they_are(aws: EmbeddedAws) -> None:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    arn = _package(sm)
    with pytest.raises(sm.exceptions.ConflictException, match="Model Package Group churn still holds model packages; delete them first."):
        sm.delete_model_package_group(ModelPackageGroupName="churn")
    sm.delete_model_package(ModelPackageName=arn)
    assert sm.list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"] == []
    sm.delete_model_package_group(ModelPackageGroupName="churn")
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    with pytest.raises(sm.exceptions.ClientError, match="Model Package Group churn does not exist."):
        sm.delete_model_package_group(ModelPackageGroupName="churn")


def test_without_the_extensions_moto_cannot_delete_or_create_through_cloudformation(aws: EmbeddedAws) -> None:
    sm = aws.client("sagemaker")
    with extensions.disabled("sagemaker-registry-deletes"):
        sm.create_model_package_group(ModelPackageGroupName="churn")
        with server_error():
            sm.delete_model_package_group(ModelPackageGroupName="churn")
    with extensions.disabled("cfn-sagemaker-model-package-group"):
        aws.client("cloudformation").create_stack(StackName="skipped", TemplateBody=json.dumps({"Resources": {
            "Other": {**GROUP["Models"], "Properties": {"ModelPackageGroupName": "skipped"}}}}))
        names = [g["ModelPackageGroupName"] for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]]
        assert "skipped" not in names  # moto skips the type silently
