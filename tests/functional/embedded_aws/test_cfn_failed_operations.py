"""Extension cfn-failed-operations: a failing resource rolls the new stack back instead of failing CreateStack."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from mlops_platform.deploy.cloudformation import deploy_stack
from mlops_platform.errors import DeployError
from support import stack_outcome

#: A bucket, then a policy for a role that does not exist (IAM refuses it), exporting the bucket's name.
TEMPLATE = json.dumps({
    "Resources": {
        "Store": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "rollback-store"}},
        "Grant": {"Type": "AWS::IAM::Policy", "DependsOn": "Store", "Properties": {
            "PolicyName": "read", "Roles": ["no-such-role"], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::rollback-store/*"}]}}},
    },
    "Outputs": {"Store": {"Value": {"Ref": "Store"}, "Export": {"Name": "rollback-store"}}},
})


def _buckets(aws: EmbeddedAws) -> list[str]:
    return [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]


def test_the_call_succeeds_and_the_stack_rolls_back_what_it_created(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    stack_id = cfn.create_stack(StackName="rb", TemplateBody=TEMPLATE)["StackId"]
    status, failed = stack_outcome(cfn, "rb")
    assert (status, [logical_id for logical_id, _ in failed]) == ("ROLLBACK_COMPLETE", ["Grant"])
    assert "no-such-role" in failed[0][1]
    reasons = {e["ResourceStatus"]: e.get("ResourceStatusReason") for e in cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
               if e["ResourceType"] == "AWS::CloudFormation::Stack"}
    assert reasons["ROLLBACK_IN_PROGRESS"] == "The following resource(s) failed to create: [Grant]. Rollback requested by user."
    assert "rollback-store" not in _buckets(aws)
    assert cfn.describe_stacks(StackName="rb")["Stacks"][0].get("Outputs", []) == []
    assert cfn.list_exports()["Exports"] == []


def test_do_nothing_keeps_what_was_created_and_delete_removes_the_stack(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="kept", TemplateBody=TEMPLATE, OnFailure="DO_NOTHING")
    assert stack_outcome(cfn, "kept")[0] == "CREATE_FAILED"
    assert "rollback-store" in _buckets(aws)
    cfn.delete_stack(StackName="kept")
    deleted = cfn.create_stack(StackName="gone", TemplateBody=TEMPLATE.replace("rollback-store", "other-store"), OnFailure="DELETE")
    assert cfn.describe_stacks(StackName=deleted["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName="gone")


def test_the_deployer_names_the_failed_resource_and_replaces_the_rolled_back_stack(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    with pytest.raises(DeployError) as raised:
        deploy_stack(cfn, "rb", TEMPLATE, {}, {})
    assert str(raised.value).startswith("rb ended ROLLBACK_COMPLETE: Grant: ") and "no-such-role" in str(raised.value)
    steps: list[str] = []
    aws.client("iam").create_role(RoleName="no-such-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    assert deploy_stack(cfn, "rb", TEMPLATE, {}, {}, progress=steps.append) == {"Store": "rollback-store"}
    assert steps[:2] == ["rb: ROLLBACK_COMPLETE, deleting before re-creating", "rb: deleting"]


def test_without_the_extension_moto_fails_the_call_and_leaves_the_stack_half_made(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    with extensions.disabled("cfn-failed-operations"):
        with pytest.raises(ClientError):
            cfn.create_stack(StackName="half", TemplateBody=TEMPLATE)
        assert cfn.describe_stacks(StackName="half")["Stacks"][0]["StackStatus"] == "CREATE_IN_PROGRESS"
        assert "rollback-store" in _buckets(aws)


def test_a_resource_that_cannot_be_deleted_leaves_the_stack_delete_failed_and_a_retry_finishes(aws: EmbeddedAws) -> None:
    cfn, s3 = aws.client("cloudformation"), aws.client("s3")
    cfn.create_stack(StackName="full", TemplateBody=json.dumps({"Resources": {
        "Store": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "full-store"}}}}))
    s3.put_object(Bucket="full-store", Key="data.csv", Body=b"1")
    cfn.delete_stack(StackName="full")
    status, failed = stack_outcome(cfn, "full")
    assert (status, [logical_id for logical_id, _ in failed]) == ("DELETE_FAILED", ["Store"])
    assert "not empty" in failed[0][1]
    s3.delete_object(Bucket="full-store", Key="data.csv")
    cfn.delete_stack(StackName="full")
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName="full")
    assert "full-store" not in _buckets(aws)
