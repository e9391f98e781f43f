"""Extension cfn-create-order: a resource referred to early is still created after what it DependsOn."""

from __future__ import annotations

import json
from typing import Any

from embedded_aws import EmbeddedAws, extensions
from support import trust_policy, wait_for, zip_module

ROLE = "arn:aws:iam::123456789012:role/pipeline"
SOURCE_ACTIONS = ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive"]


def _template() -> dict[str, Any]:
    """A seeded repository and a pipeline reading it, which ``DependsOn`` the role policy that lets it; a parameter
    listed first refers to the pipeline (so moto meets the pipeline before the policy)."""
    source = {"Name": "Code", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeCommit", "Version": "1"},
              "Configuration": {"RepositoryName": {"Fn::GetAtt": ["Repo", "Name"]}, "BranchName": "main", "PollForSourceChanges": False},
              "OutputArtifacts": [{"Name": "SourceOutput"}]}
    approve = {"Name": "Approve", "ActionTypeId": {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"}}
    return {"Resources": {
        "PipelineName": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/seeded/pipeline", "Type": "String",
                                                                     "Value": {"Ref": "Pipeline"}}},
        "Repo": {"Type": "AWS::CodeCommit::Repository", "Properties": {
            "RepositoryName": "seeded", "Code": {"S3": {"Bucket": "seeds", "Key": "repo.zip"}, "BranchName": "main"}}},
        "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "DependsOn": ["ReadSource"], "Properties": {
            "Name": "seeded", "RoleArn": ROLE, "ArtifactStore": {"Type": "S3", "Location": "artifacts"},
            "Stages": [{"Name": "Source", "Actions": [source]}, {"Name": "Release", "Actions": [approve]}]}},
        "ReadSource": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "read-source", "Roles": ["pipeline"], "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": SOURCE_ACTIONS, "Resource": {"Fn::GetAtt": ["Repo", "Arn"]}},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"}]}}},
    }}


def _first_source_action(aws: EmbeddedAws, stack: str) -> dict[str, Any]:
    cfn, cp = aws.client("cloudformation"), aws.client("codepipeline")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(_template()))
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    [created] = cp.list_pipeline_executions(pipelineName="seeded")["pipelineExecutionSummaries"]
    assert created["trigger"]["triggerType"] == "CreatePipeline"

    def settled() -> dict[str, Any]:
        latest = cp.get_pipeline_state(name="seeded")["stageStates"][0]["actionStates"][0].get("latestExecution", {})
        return dict(latest) if latest.get("status") in ("Succeeded", "Failed") else {}

    return wait_for(settled, timeout=10)


def _prepare(aws: EmbeddedAws) -> None:
    s3 = aws.client("s3")
    aws.client("iam").create_role(RoleName="pipeline", AssumeRolePolicyDocument=trust_policy("codepipeline.amazonaws.com"))
    for bucket in ("seeds", "artifacts"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="seeds", Key="repo.zip", Body=zip_module({"buildspec.yml": "version: 0.2\n"}))


def test_the_pipeline_is_created_after_the_policy_it_depends_on(aws: EmbeddedAws) -> None:
    _prepare(aws)
    source = _first_source_action(aws, "seeded")
    assert source["status"] == "Succeeded", source.get("summary")


def test_without_the_extension_the_first_execution_runs_before_the_policy_exists(aws: EmbeddedAws) -> None:
    _prepare(aws)
    with extensions.disabled("cfn-create-order"):
        source = _first_source_action(aws, "seeded")
    assert source["status"] == "Failed"
    assert "is not authorized to perform: codecommit:GetBranch" in source["summary"]
