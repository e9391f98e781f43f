"""Extension cfn-stack-principal: CloudFormation acts on each resource with the rights of the stack's role or caller."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.clients import credentials_client
from support import stack_outcome, trust_policy

ACCOUNT = "123456789012"
STACKS = {"Effect": "Allow", "Action": ["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                                        "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"], "Resource": "*"}
#: Parameters under /app/ only, and only through CloudFormation (aws:CalledVia, set by forward access sessions).
APP_PARAMETERS = {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:DeleteParameter"], "Resource": f"arn:aws:ssm:*:{ACCOUNT}:parameter/app/*",
                  "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}}


def _template(name: str = "/app/setting", value: str = "v1") -> str:
    return json.dumps({"Resources": {"Setting": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": name, "Type": "String", "Value": value}}}})


def _user(aws: EmbeddedAws, *statements: dict[str, Any]) -> Callable[[str], Any]:
    iam = aws.client("iam")
    iam.create_user(UserName="dev")
    iam.put_user_policy(UserName="dev", PolicyName="work", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    return lambda service: credentials_client(aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)


def _role(aws: EmbeddedAws, name: str, service: str, *statements: dict[str, Any]) -> str:
    iam = aws.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(service))["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="work", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return str(arn)


def test_without_a_role_the_callers_rights_decide_through_cloudformation_only(aws: EmbeddedAws) -> None:
    as_dev = _user(aws, STACKS, APP_PARAMETERS)
    cfn = as_dev("cloudformation")
    cfn.create_stack(StackName="app", TemplateBody=_template())
    assert stack_outcome(cfn, "app") == ("CREATE_COMPLETE", [])
    assert aws.client("ssm").get_parameter(Name="/app/setting")["Parameter"]["Value"] == "v1"
    with pytest.raises(ClientError, match="is not authorized to perform: ssm:PutParameter"):  # the same call, not via CloudFormation
        as_dev("ssm").put_parameter(Name="/app/other", Value="x", Type="String")
    cfn.create_stack(StackName="elsewhere", TemplateBody=_template(name="/ops/setting"))
    status, [(logical_id, reason)] = stack_outcome(cfn, "elsewhere")
    assert (status, logical_id) == ("ROLLBACK_COMPLETE", "Setting")
    assert reason.startswith(f'Resource handler returned message: "User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: '
                             f"ssm:PutParameter on resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/ops/setting because no "
                             "identity-based policy allows the ssm:PutParameter action (Service: Ssm, Status Code: 403, Request ID: ")
    assert reason.endswith(", HandlerErrorCode: AccessDenied)")


def test_a_service_role_acts_for_the_stack_and_stays_its_principal(aws: EmbeddedAws) -> None:
    role = _role(aws, "deployer", "cloudformation.amazonaws.com", APP_PARAMETERS)
    as_dev = _user(aws, STACKS, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role})
    cfn = as_dev("cloudformation")
    cfn.create_stack(StackName="app", TemplateBody=_template(), RoleARN=role)  # the caller may write no parameter itself
    assert stack_outcome(cfn, "app")[0] == "CREATE_COMPLETE"
    cfn.update_stack(StackName="app", TemplateBody=_template(name="/ops/setting"))  # no RoleARN: the stack's role acts
    assert stack_outcome(cfn, "app")[0] == "UPDATE_ROLLBACK_COMPLETE"
    assert aws.client("ssm").get_parameter(Name="/app/setting")["Parameter"]["Value"] == "v1"
    refused = f"User: arn:aws:sts::{ACCOUNT}:assumed-role/deployer/AWSCloudFormation is not authorized to perform: ssm:PutParameter"
    assert any(refused in e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName="app")["StackEvents"])


def test_ssm_typed_parameters_are_resolved_with_the_stack_principals_rights(aws: EmbeddedAws) -> None:
    aws.client("ssm").put_parameter(Name="/platform/role", Value="arn:aws:iam::123456789012:role/nb", Type="String")
    template = json.dumps({"Parameters": {"Role": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/platform/role"}},
                           "Resources": {"Copy": {"Type": "AWS::SSM::Parameter", "Properties": {
                               "Name": "/app/role", "Type": "String", "Value": {"Ref": "Role"}}}}})
    reader = _role(aws, "reader", "cloudformation.amazonaws.com", APP_PARAMETERS, {
        "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": f"arn:aws:ssm:*:{ACCOUNT}:parameter/platform/role"})
    blind = _role(aws, "blind", "cloudformation.amazonaws.com", APP_PARAMETERS)
    cfn = _user(aws, STACKS, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [reader, blind]})("cloudformation")
    with pytest.raises(ClientError) as refused:
        cfn.create_stack(StackName="blind", TemplateBody=template, RoleARN=blind)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert refused.value.response["Error"]["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/blind/AWSCloudFormation is not authorized to perform: ssm:GetParameters on "
        f"resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/platform/role because no identity-based policy allows the "
        "ssm:GetParameters action")
    assert [s["StackName"] for s in aws.client("cloudformation").list_stacks()["StackSummaries"]] == []
    cfn.create_stack(StackName="reader", TemplateBody=template, RoleARN=reader)
    assert stack_outcome(cfn, "reader")[0] == "CREATE_COMPLETE"
    assert aws.client("ssm").get_parameter(Name="/app/role")["Parameter"]["Value"] == "arn:aws:iam::123456789012:role/nb"


@pytest.mark.parametrize("trusted", ["lambda.amazonaws.com", None], ids=["not-for-cloudformation", "missing"])
def test_a_role_cloudformation_cannot_assume_is_refused_by_the_call(aws: EmbeddedAws, trusted: str | None) -> None:
    role = _role(aws, "deployer", trusted) if trusted else f"arn:aws:iam::{ACCOUNT}:role/deployer"
    with pytest.raises(ClientError) as raised:
        aws.client("cloudformation").create_stack(StackName="app", TemplateBody=_template(), RoleARN=role)
    assert raised.value.response["Error"]["Message"] == f"Role {role} is invalid or cannot be assumed"
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []


def test_a_role_that_may_create_but_not_delete_leaves_the_stack_delete_failed(aws: EmbeddedAws) -> None:
    create_only = {**APP_PARAMETERS, "Action": "ssm:PutParameter"}
    role = _role(aws, "deployer", "cloudformation.amazonaws.com", create_only)
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="app", TemplateBody=_template(), RoleARN=role)
    cfn.delete_stack(StackName="app")
    status, failed = stack_outcome(cfn, "app")
    assert (status, [logical_id for logical_id, _ in failed]) == ("DELETE_FAILED", ["Setting"])
    assert "is not authorized to perform: ssm:DeleteParameter" in failed[0][1]
    assert aws.client("ssm").get_parameter(Name="/app/setting")["Parameter"]["Value"] == "v1"


def test_root_credentials_are_not_restricted_and_without_the_extension_nothing_is(aws: EmbeddedAws) -> None:
    aws.client("cloudformation").create_stack(StackName="root", TemplateBody=_template(name="/ops/root"))
    assert stack_outcome(aws.client("cloudformation"), "root")[0] == "CREATE_COMPLETE"
    as_dev = _user(aws, STACKS)
    with extensions.disabled("cfn-stack-principal"):
        as_dev("cloudformation").create_stack(StackName="anything", TemplateBody=_template(name="/ops/anything"))
        assert stack_outcome(aws.client("cloudformation"), "anything")[0] == "CREATE_COMPLETE"  # moto: no rights needed
