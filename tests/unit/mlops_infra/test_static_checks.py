"""Static checks over the synthesized templates: IAM actions and condition keys, ASL, SDK integrations."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from cfnlint.decode import decode

from mlops_infra import synth
from mlops_infra.checks import StaticCheckError, assembly_findings, template_findings
from mlops_infra.checks.policies import statement_findings
from mlops_infra.checks.state_machines import definition_findings
from mlops_runtime.environment_types import TYPES_DIR


def _problems(statement: dict) -> list[str]:
    return [f.problem for f in statement_findings({"Effect": "Allow", "Resource": "*", **statement}, "S")]


def test_actions_that_do_not_exist_are_named() -> None:
    assert _problems({"Action": ["s3:GetObjects", "foo:Bar", "ec2:Nope*", "ssm:Get*", "*", "S3:getobject"]}) == [
        "s3:GetObjects: no such action", "foo:Bar: no service has the prefix 'foo'", "ec2:Nope*: no such action"]
    assert _problems({"NotAction": ["iam:PassRoles"]}) == ["iam:PassRoles: no such action"]


def test_condition_keys_and_operators_that_do_not_exist_are_named() -> None:
    assert _problems({"Action": "kms:Decrypt", "Condition": {"StringEqualz": {"kms:NoSuchKey": "x"}}}) == [
        "StringEqualz: no such condition operator", "kms:NoSuchKey: no such condition key"]


def test_a_service_key_no_action_of_the_statement_supports_never_matches() -> None:
    assert _problems({"Action": "sagemaker:CreatePresignedNotebookInstanceUrl", "Condition": {"StringEquals": {"sagemaker:VpcSubnets": "s"}}}) == [
        "sagemaker:VpcSubnets: none of sagemaker:CreatePresignedNotebookInstanceUrl supports it (the condition never matches)"]


@pytest.mark.parametrize("statement", [
    {"Action": "s3:GetObject", "Condition": {"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}},
    {"Action": "sagemaker:CreateNotebookInstance", "Condition": {"Bool": {"sagemaker:RootAccess": "false"}}},
    {"Action": "iam:PassRole", "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    {"Action": "sts:AssumeRole", "Principal": {"AWS": "*"}, "Condition": {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}},
    {"Action": "s3:*", "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:CalledVia": "x", "aws:PrincipalTag/team": "a"}}},
    {"Action": "s3:ListBucket", "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}, "Null": {"aws:ResourceTag/o": "true"}}},
])
def test_what_aws_defines_passes(statement: dict) -> None:
    assert _problems(statement) == []


def _machine(**states: dict) -> dict:
    first = next(iter(states))
    names = list(states)
    chained = {name: {**state, **({"Next": names[i + 1]} if i + 1 < len(names) else {"End": True})} for i, (name, state) in enumerate(states.items())}
    return {"StartAt": first, "States": chained}


def test_sdk_integrations_name_real_operations_with_their_parameters() -> None:
    asl = _machine(
        A={"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:createPresignedNotebookInstanceUrls"},
        B={"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:putParameter", "Parameters": {"Name.$": "$.n", "Valu": "x"}},
        C={"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:nosuch:doIt"},
        D={"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:addTagsToResource",
           "Parameters": {"ResourceType": "Parameter", "ResourceId": "p", "Tags": [{"Key": "owner", "Val": "ana"}]}},
        E={"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem.waitForTaskToken",
           "Parameters": {"TableName": "t", "Key": {"id": {"S.$": "$.id"}}, "UpdateExpression": "SET a = :a"}},
    )
    assert [str(f) for f in definition_findings(asl, "m")] == [
        "m/A: sagemaker has no operation 'createPresignedNotebookInstanceUrls'",
        "m/B: parameter 'Valu' is not in PutParameterRequest (it has AllowedPattern, DataType, Description, KeyId, Name, Overwrite, "
        "Policies, Tags, Tier, Type, Value)",
        "m/B: required parameter 'Value' of PutParameterRequest is missing",
        "m/C: aws-sdk:nosuch: no such service in the AWS SDK",
        "m/D.Tags[0]: parameter 'Val' is not in Tag (it has Key, Value)",
        "m/D.Tags[0]: required parameter 'Value' of Tag is missing",
    ]


@pytest.mark.parametrize(("asl", "problem"), [
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}, 'No state found named "B", referenced at State Machine.States.A.Next'),
    ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, "StartAt value X not found in States field at State Machine"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Succeed"}}}, "No transition found to state State Machine.B"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f"}}},
     'State Machine.States.A does not have required field "Next"'),
])
def test_invalid_asl_is_named_by_statelint(asl: dict, problem: str) -> None:
    assert problem in [f.problem for f in definition_findings(asl, "m")]


def test_every_shipped_template_passes(templates_dir: Path) -> None:
    templates = {p.name: json.loads(p.read_text()) for p in templates_dir.glob("*.template.json")}
    templates |= {f"{p.parent.name}/product.template.json": json.loads(p.read_text()) for p in TYPES_DIR.glob("*/product.template.json")}
    for path in (templates_dir.parent / "seed_code").glob("*/*-template.yml"):
        templates[path.name], _ = decode(str(path))
    assert set(templates) == {"mlops-tooling.template.json", "mlops-target-account.template.json", "mlops-ml-environment.template.json",
                              "mlops-project.template.json", "mlops-project-units.template.json",
                              "sagemaker_notebook/product.template.json", "endpoint-config-template.yml"}
    assert [str(f) for name, template in templates.items() for f in template_findings(template, name)] == []


def test_a_bad_template_in_the_assembly_is_found(tmp_path: Path) -> None:
    policy = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObjects", "Resource": "*"}]}}}
    (tmp_path / "Probe.template.json").write_text(json.dumps({"Resources": {"Reader": policy}}))
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "1"}))
    assert [str(f) for f in assembly_findings(tmp_path)] == ["Probe.template.json: Reader/PolicyDocument/Read: s3:GetObjects: no such action"]


def test_synthesis_fails_on_a_policy_aws_would_misread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def probe_app(config: object, outdir: str) -> cdk.App:
        app = cdk.App(outdir=outdir)
        role = iam.Role(cdk.Stack(app, "Probe"), "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(actions=["sagemaker:CreatePresignedNotebookInstanceUrl"], resources=["*"],
                                               conditions={"StringEquals": {"sagemaker:VpcSubnets": "subnet-1"}}))
        return app

    monkeypatch.setattr(synth, "build_app", probe_app)
    with pytest.raises(StaticCheckError) as raised:
        synth.synthesize(None, tmp_path)
    assert [str(f) for f in raised.value.findings] == [
        "Probe.template.json: RoleDefaultPolicy5FFB7DAB/PolicyDocument/0: sagemaker:VpcSubnets: none of "
        "sagemaker:CreatePresignedNotebookInstanceUrl supports it (the condition never matches)"]
    assert str(raised.value).startswith("the synthesized templates fail the static checks:\n  Probe.template.json: ")
