"""Intent of the personas: each may do its job and no more, and every one that creates SageMaker resources wears the guardrails."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from embedded_aws.iam.evaluator import evaluate
from mlops_runtime.config import PlatformConfig
from support import environment_template, render

ACCOUNT = "123456789012"
SM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
IN_NETWORK = {"sagemaker:VpcSubnets": ["subnet-0a"], "sagemaker:VolumeKmsKey": "arn:aws:kms:us-east-1:123456789012:key/k",
              "sagemaker:OutputKmsKey": "arn:aws:kms:us-east-1:123456789012:key/k"}


@pytest.fixture(scope="module")
def environment(secure_synthesized: dict) -> Template:
    stacks = secure_synthesized
    return Template.from_json(environment_template(stacks["mlops-ml-environment"].template))


@pytest.fixture(scope="module")
def names(environment: Template) -> dict[str, str]:
    """Concrete names for every resource the policies reference."""
    resources = environment.to_json()["Resources"]
    found: dict[str, str] = {}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            found[logical_id] = f"arn:aws:iam::{ACCOUNT}:role/{properties.get('RoleName', logical_id)}"
        elif resource["Type"] == "AWS::S3::Bucket":
            found[logical_id] = f"arn:aws:s3:::{render(properties['BucketName'], {})}" if "BucketName" in properties else logical_id
        elif resource["Type"] == "AWS::EC2::VPC":
            found[logical_id] = "vpc-0ml"
        elif resource["Type"] == "AWS::EC2::VPCEndpoint":
            found[logical_id] = f"vpce-{logical_id.lower()}"
        elif resource["Type"] == "AWS::KMS::Key":
            found[logical_id] = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{logical_id.lower()}"
        else:
            found[logical_id] = logical_id
    return found


def _policies(environment: Template, names: dict[str, str], role_name: str) -> list[dict[str, Any]]:
    resources = environment.to_json()["Resources"]
    [(role_id, role)] = environment.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": role_name}}).items()
    documents = [p["Properties"]["PolicyDocument"] for p in resources.values()
                 if p["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in p["Properties"].get("Roles", [])]
    documents += [resources[arn["Ref"]]["Properties"]["PolicyDocument"] for arn in role["Properties"].get("ManagedPolicyArns", [])
                  if isinstance(arn, dict) and "Ref" in arn]
    return [render(d, names) for d in documents]


def _decide(environment: Template, names: dict[str, str], persona: str, action: str, resource: str = "*", **context: Any) -> str:
    decision = evaluate(_policies(environment, names, f"mlops-{persona}"), action, resource, context)
    return decision.result if decision.result != "explicitDeny" else f"explicitDeny:{decision.statement}"


@pytest.mark.parametrize("persona", ["platform-admin", "ds-admin", "data-scientist", "analyst", "sagemaker-execution"])
def test_every_persona_that_can_act_on_sagemaker_wears_the_guardrails(environment: Template, persona: str) -> None:
    [role] = environment.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": f"mlops-{persona}"}}).values()
    [guardrails] = environment.find_resources("AWS::IAM::ManagedPolicy", {"Properties": {"ManagedPolicyName": "mlops-ml-guardrails"}})
    assert {"Ref": guardrails} in role["Properties"]["ManagedPolicyArns"]


def test_people_need_mfa_and_services_are_services(environment: Template) -> None:
    for persona in ("platform-admin", "ds-admin", "data-scientist", "analyst"):
        [role] = environment.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": f"mlops-{persona}"}}).values()
        [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}, persona
        assert statement["Principal"] == {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"},
                                                                    ":root"]]}}, persona
    for persona, service in (("sagemaker-execution", "sagemaker.amazonaws.com"), ("cloudformation-execution", "cloudformation.amazonaws.com")):
        [role] = environment.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": f"mlops-{persona}"}}).values()
        [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": service}, persona


def test_a_data_scientist_trains_only_inside_the_network_with_keys(environment: Template, names: dict[str, str]) -> None:
    job = f"{SM}:training-job/churn-1"
    assert _decide(environment, names, "data-scientist", "sagemaker:CreateTrainingJob", job, **IN_NETWORK) == "allowed"
    no_vpc = {k: v for k, v in IN_NETWORK.items() if k != "sagemaker:VpcSubnets"}
    assert _decide(environment, names, "data-scientist", "sagemaker:CreateTrainingJob", job, **no_vpc) == "explicitDeny:DenyWithoutVpc"
    no_key = {k: v for k, v in IN_NETWORK.items() if k != "sagemaker:OutputKmsKey"}
    assert _decide(environment, names, "data-scientist", "sagemaker:CreateTrainingJob", job, **no_key) == "explicitDeny:DenyWithoutOutputKey"


def test_a_data_scientist_registers_but_does_not_approve_and_passes_only_the_execution_role(environment: Template, names: dict[str, str]) -> None:
    package = f"{SM}:model-package/mlops-churn-models/3"
    assert _decide(environment, names, "data-scientist", "sagemaker:CreateModelPackage", package) == "allowed"
    assert _decide(environment, names, "data-scientist", "sagemaker:UpdateModelPackage", package) == "implicitDeny"
    assert _decide(environment, names, "ds-admin", "sagemaker:UpdateModelPackage", package) == "allowed"
    execution = f"arn:aws:iam::{ACCOUNT}:role/mlops-sagemaker-execution"
    assert _decide(environment, names, "data-scientist", "iam:PassRole", execution, **{"iam:PassedToService": "sagemaker.amazonaws.com"}) == "allowed"
    assert _decide(environment, names, "data-scientist", "iam:PassRole", execution, **{"iam:PassedToService": "lambda.amazonaws.com"}) == "implicitDeny"
    admin = f"arn:aws:iam::{ACCOUNT}:role/mlops-cloudformation-execution"
    assert _decide(environment, names, "data-scientist", "iam:PassRole", admin, **{"iam:PassedToService": "sagemaker.amazonaws.com"}) == "implicitDeny"


def test_an_analyst_cannot_run_jobs_and_a_ds_admin_decides_releases(environment: Template, names: dict[str, str]) -> None:
    assert _decide(environment, names, "analyst", "sagemaker:CreateTrainingJob", f"{SM}:training-job/x", **IN_NETWORK) == "implicitDeny"
    assert _decide(environment, names, "analyst", "servicecatalog:SearchProducts") == "allowed"
    approval = f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:mlops-churn-modeldeploy/ApproveProd/Approve"
    assert _decide(environment, names, "ds-admin", "codepipeline:PutApprovalResult", approval) == "allowed"
    assert _decide(environment, names, "data-scientist", "codepipeline:PutApprovalResult", approval) == "implicitDeny"


@pytest.mark.parametrize("persona", ["ds-admin", "data-scientist"])
def test_the_personas_that_run_mlops_commands_read_the_platforms_outputs_only(environment: Template, names: dict[str, str],
                                                                            persona: str) -> None:
    stack = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{{}}/0a1b"
    assert _decide(environment, names, persona, "cloudformation:DescribeStacks", stack.format("mlops-tooling")) == "allowed"
    assert _decide(environment, names, persona, "cloudformation:DescribeStacks", stack.format("billing")) == "implicitDeny"
    assert _decide(environment, names, "analyst", "cloudformation:DescribeStacks", stack.format("mlops-tooling")) == "implicitDeny"
    pipeline = f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:mlops-modeldeploy"
    assert _decide(environment, names, persona, "codepipeline:GetPipelineExecution", pipeline) == "allowed"


def test_the_platform_admin_deploys_only_platform_stacks_only_through_the_execution_role(environment: Template, names: dict[str, str]) -> None:
    stack = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/mlops-tooling/1"
    role = {"cloudformation:RoleArn": f"arn:aws:iam::{ACCOUNT}:role/mlops-cloudformation-execution"}
    assert _decide(environment, names, "platform-admin", "cloudformation:UpdateStack", stack, **role) == "allowed"
    assert _decide(environment, names, "platform-admin", "cloudformation:UpdateStack", stack) == "implicitDeny"
    other = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/payroll/1"
    assert _decide(environment, names, "platform-admin", "cloudformation:DeleteStack", other, **role) == "implicitDeny"
    assert _decide(environment, names, "platform-admin", "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x") == "implicitDeny"


def test_jobs_make_network_interfaces_only_in_the_ml_vpc(environment: Template, names: dict[str, str]) -> None:
    ml_vpc = {"ec2:Vpc": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0ml"}
    assert _decide(environment, names, "sagemaker-execution", "ec2:CreateNetworkInterface", "*", **ml_vpc) == "allowed"
    other = {"ec2:Vpc": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0other"}
    assert _decide(environment, names, "sagemaker-execution", "ec2:CreateNetworkInterface", "*", **other) == "implicitDeny"
    model = "arn:aws:s3:::mlops-ml-models-123456789012-us-east-1/churn/model.tar.gz"
    assert _decide(environment, names, "sagemaker-execution", "s3:PutObject", model) == "allowed"
    data = "arn:aws:s3:::mlops-ml-data-123456789012-us-east-1/raw/churn.csv"
    assert _decide(environment, names, "sagemaker-execution", "s3:PutObject", data) == "implicitDeny"  # jobs read data, write models


def test_the_deploy_uses_the_persona_execution_role_by_its_name(environment: Template) -> None:
    name = PlatformConfig().cloudformation_execution_role_name
    [role] = environment.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": name}}).values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "cloudformation.amazonaws.com"}


def test_an_analyst_persona_session_bears_its_users_name_and_may_call_only_the_url_methods(environment: Template) -> None:
    [role] = environment.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-analyst"}}).values()
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                  "StringEquals": {"sts:RoleSessionName": "${aws:username}"}}
    statements = [s for p in environment.find_resources("AWS::IAM::Policy").values() if "Analyst" in str(p["Properties"]["Roles"])
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    [invoke] = [s for s in statements if s.get("Sid") == "OwnNotebookUrl"]
    assert render(invoke["Resource"], {}) == [f"arn:aws:execute-api:us-east-1:{ACCOUNT}:*/v1/{m}/notebooks/url" for m in ("GET", "POST")]
