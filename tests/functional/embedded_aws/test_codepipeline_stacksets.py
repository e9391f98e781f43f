"""Extension codepipeline-stackset-actions: CloudFormationStackSet / CloudFormationStackInstances deploy for real."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import organization_with_units, stackset_roles, trust_policy, wait_for

ROLE = "arn:aws:iam::123456789012:role/pipeline"
STAGING, PROD = "222222222222", "333333333333"
ADMINISTRATION_ROLE = "arn:aws:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole"
STACK_SET_CALLS = ["cloudformation:CreateStackSet", "cloudformation:UpdateStackSet", "cloudformation:CreateStackInstances",
                   "cloudformation:UpdateStackInstances", "cloudformation:DescribeStackSetOperation"]
#: What the pipeline's role needs: the source, the artifacts, the one stack set and handing CloudFormation its administration role.
PIPELINE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::source", "arn:aws:s3:::source/*"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::artifacts/*"},
    {"Sid": "StackSet", "Effect": "Allow", "Action": STACK_SET_CALLS,
     "Resource": [f"arn:aws:cloudformation:us-east-1:123456789012:stackset/{name}:*" for name in ("endpoint", "by-unit", "by-empty-unit")]},
    {"Sid": "PassAdministration", "Effect": "Allow", "Action": "iam:PassRole", "Resource": ADMINISTRATION_ROLE}]}
TEMPLATE = json.dumps({
    "Parameters": {"Value": {"Type": "String"}, "Stage": {"Type": "String", "AllowedValues": ["staging", "prod"]}},
    "Resources": {"P": {"Type": "AWS::SSM::Parameter",
                        "Properties": {"Name": "/deploy/value", "Type": "String", "Value": {"Ref": "Value"}, "Description": {"Ref": "Stage"}}}},
})


def _source(value: str, stage: str = "staging") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("template.json", TEMPLATE)
        archive.writestr("params.json", json.dumps([{"ParameterKey": "Value", "ParameterValue": value},
                                                    {"ParameterKey": "Stage", "ParameterValue": stage}]))
        archive.writestr("targets.json", json.dumps([STAGING]))
    return buffer.getvalue()


def _deploy(name: str, provider: str, configuration: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": provider, "version": "1"},
            "configuration": configuration, "inputArtifacts": [{"name": "Src"}]}


@pytest.fixture
def pipeline(aws: EmbeddedAws) -> Any:
    stackset_roles(aws)
    s3, cp = aws.client("s3"), aws.client("codepipeline")
    iam = aws.client("iam")
    iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=trust_policy("codepipeline.amazonaws.com"))
    iam.put_role_policy(RoleName="pipeline", PolicyName="run", PolicyDocument=json.dumps(PIPELINE_POLICY))
    for bucket in ("source", "artifacts"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket="source", VersioningConfiguration={"Status": "Enabled"})
    cp.create_pipeline(pipeline={
        "name": "deploy", "roleArn": ROLE, "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [
            {"name": "Source", "actions": [{"name": "Code", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                                            "configuration": {"S3Bucket": "source", "S3ObjectKey": "deploy.zip"}, "outputArtifacts": [{"name": "Src"}]}]},
            {"name": "Staging", "actions": [_deploy("StackSet", "CloudFormationStackSet", {
                "StackSetName": "endpoint", "TemplatePath": "Src::template.json", "Parameters": "Src::params.json",
                "DeploymentTargets": "Src::targets.json", "Regions": "us-east-1", "PermissionModel": "SELF_MANAGED",
                "AdministrationRoleArn": ADMINISTRATION_ROLE,
                "ExecutionRoleName": "AWSCloudFormationStackSetExecutionRole"})]},
            {"name": "Prod", "actions": [_deploy("Instances", "CloudFormationStackInstances", {
                "StackSetName": "endpoint", "DeploymentTargets": PROD, "Regions": "us-east-1",
                "ParameterOverrides": "ParameterKey=Stage,ParameterValue=prod"})]},
        ]})
    # The run creation started ends at its source (nothing uploaded yet), so it cannot race the tests' runs.
    wait_for(lambda: cp.list_pipeline_executions(pipelineName="deploy")["pipelineExecutionSummaries"][0]["status"] == "Failed")
    return cp


def _run(aws: EmbeddedAws, cp: Any, body: bytes) -> dict[str, Any]:
    aws.client("s3").put_object(Bucket="source", Key="deploy.zip", Body=body)
    execution_id = cp.start_pipeline_execution(name="deploy")["pipelineExecutionId"]

    def ended() -> dict[str, Any] | None:
        execution = cp.get_pipeline_execution(pipelineName="deploy", pipelineExecutionId=execution_id)["pipelineExecution"]
        return execution if execution["status"] != "InProgress" else None

    return wait_for(ended, timeout=30)


def _value(aws: EmbeddedAws, account: str) -> tuple[str, str]:
    parameter = aws.client("ssm", account).describe_parameters()["Parameters"][0]
    return aws.client("ssm", account).get_parameter(Name="/deploy/value")["Parameter"]["Value"], parameter.get("Description", "")


def test_first_run_creates_the_stack_set_then_prod_instances(aws: EmbeddedAws, pipeline: Any) -> None:
    assert _run(aws, pipeline, _source("v1"))["status"] == "Succeeded"
    assert _value(aws, "staging") == ("v1", "staging")
    assert _value(aws, "prod") == ("v1", "prod")
    stages = {s["stageName"]: s["actionStates"][0]["latestExecution"] for s in pipeline.get_pipeline_state(name="deploy")["stageStates"]}
    assert stages["Staging"]["summary"].startswith("Stack set endpoint: CREATE operation ")
    assert stages["Prod"]["summary"].startswith("Stack set endpoint: CREATE operation ")


def test_second_run_updates_both_stages(aws: EmbeddedAws, pipeline: Any) -> None:
    _run(aws, pipeline, _source("v1"))
    assert _run(aws, pipeline, _source("v2"))["status"] == "Succeeded"
    assert _value(aws, "staging") == ("v2", "staging")
    assert _value(aws, "prod") == ("v2", "prod")


def test_failed_instance_fails_the_action_with_the_operation_reason(aws: EmbeddedAws, pipeline: Any) -> None:
    _run(aws, pipeline, _source("v1"))
    execution = _run(aws, pipeline, _source("v2", stage="qa"))
    assert execution["status"] == "Failed"
    assert re.fullmatch(
        rf"Staging/StackSet: Stack set operation [0-9a-f-]{{36}} on endpoint FAILED: 1 of 1 stack instance\(s\) failed: {STAGING}/us-east-1: "
        r"ResourceLogicalId:StackSet-endpoint-[0-9a-f-]{36}, ResourceStatusReason:Parameter 'Stage' must be one of AllowedValues",
        execution["statusSummary"]), execution["statusSummary"]
    assert _value(aws, "prod") == ("v1", "prod")


def test_missing_template_file_fails_naming_it(aws: EmbeddedAws, pipeline: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("params.json", "[]")
    execution = _run(aws, pipeline, buffer.getvalue())
    assert execution["statusSummary"] == "Staging/StackSet: File template.json does not exist in artifact Src"


@pytest.mark.parametrize(("removed", "refused"), [
    ("StackSet", "cloudformation:CreateStackSet on resource: arn:aws:cloudformation:us-east-1:123456789012:stackset/endpoint:*"),
    ("PassAdministration", f"iam:PassRole on resource: {ADMINISTRATION_ROLE}"),
], ids=["stack-set", "administration-role"])
def test_the_action_role_must_be_allowed_the_stack_set_calls(aws: EmbeddedAws, pipeline: Any, removed: str, refused: str) -> None:
    policy = {**PIPELINE_POLICY, "Statement": [s for s in PIPELINE_POLICY["Statement"] if s.get("Sid") != removed]}
    aws.client("iam").put_role_policy(RoleName="pipeline", PolicyName="run", PolicyDocument=json.dumps(policy))
    execution = _run(aws, pipeline, _source("v1"))
    assert execution["status"] == "Failed"
    assert execution["statusSummary"].startswith("Staging/StackSet: User: arn:aws:sts::123456789012:assumed-role/pipeline/")
    assert f"is not authorized to perform: {refused}" in execution["statusSummary"]
    assert aws.client("cloudformation").list_stack_sets()["Summaries"] == []


def test_without_the_extension_the_action_is_not_emulated(aws: EmbeddedAws, pipeline: Any) -> None:
    with extensions.disabled("codepipeline-stackset-actions"):
        execution = _run(aws, pipeline, _source("v1"))
    assert execution["statusSummary"] == (
        "Staging/StackSet: action provider AWS/CloudFormationStackSet (Deploy) is not emulated by the embedded AWS")


def test_a_service_managed_action_deploys_to_the_members_of_its_unit(aws: EmbeddedAws, pipeline: Any) -> None:
    units = organization_with_units(aws)
    aws.client("cloudformation").activate_organizations_access()
    empty = aws.client("organizations").create_organizational_unit(ParentId=units["root"], Name="Empty")["OrganizationalUnit"]["Id"]
    cp = aws.client("codepipeline")
    definition = cp.get_pipeline(name="deploy")["pipeline"]
    definition["stages"] = definition["stages"][:1] + [{"name": "Staging", "actions": [_deploy("StackSet", "CloudFormationStackSet", {
        "StackSetName": "by-unit", "TemplatePath": "Src::template.json", "Parameters": "Src::params.json",
        "DeploymentTargets": units["staging"], "Regions": "us-east-1", "PermissionModel": "SERVICE_MANAGED",
        "OrganizationsAutoDeployment": "Disabled"})]}, {"name": "Nobody", "actions": [_deploy("StackSet", "CloudFormationStackSet", {
        "StackSetName": "by-empty-unit", "TemplatePath": "Src::template.json", "Parameters": "Src::params.json",
        "DeploymentTargets": empty, "Regions": "us-east-1", "PermissionModel": "SERVICE_MANAGED"})]}]
    cp.update_pipeline(pipeline=definition)
    execution = _run(aws, cp, _source("v1"))
    assert _value(aws, "staging") == ("v1", "staging")
    [instance] = aws.client("cloudformation").list_stack_instances(StackSetName="by-unit")["Summaries"]
    assert (instance["Account"], instance["OrganizationalUnitId"]) == (STAGING, units["staging"])
    assert (execution["status"], execution["statusSummary"]) == ("Failed", f"Nobody/StackSet: No member account is in {empty}")
