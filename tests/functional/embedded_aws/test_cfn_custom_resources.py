"""Extension cfn-custom-resources: Create, Update and Delete reach the function; its answer decides."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import stack_outcome, trust_policy, zip_module

HANDLER = '''
import json, urllib.request, boto3

def handler(event, context):
    props = event["ResourceProperties"]
    seen = {k: event.get(k) for k in ("RequestType", "PhysicalResourceId", "ResourceProperties", "OldResourceProperties")}
    boto3.client("ssm").put_parameter(Name="/cr/" + event["RequestType"], Value=json.dumps(seen), Type="String", Overwrite=True)
    if props.get("Mode") == "crash":
        raise RuntimeError("handler bug")
    failed = props.get("Mode") == "fail" and event["RequestType"] != "Delete"
    answer = {"Status": "FAILED" if failed else "SUCCESS", "Reason": "the seed is missing" if failed else "",
              "PhysicalResourceId": "seed-" + props["Name"], "StackId": event["StackId"], "RequestId": event["RequestId"],
              "LogicalResourceId": event["LogicalResourceId"], "Data": {"Greeting": "hello " + props["Name"]}}
    request = urllib.request.Request(event["ResponseURL"], data=json.dumps(answer).encode(), method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request).read()
'''


def _template(function_arn: str, name: str, mode: str = "ok", resource_type: str = "Custom::Seed") -> str:
    return json.dumps({"Resources": {"Seed": {"Type": resource_type, "Properties": {
        "ServiceToken": function_arn, "Name": name, "Count": 3, "Enabled": True, "Mode": mode}}},
        "Outputs": {"Greeting": {"Value": {"Fn::GetAtt": ["Seed", "Greeting"]}}, "Id": {"Value": {"Ref": "Seed"}}}})


@pytest.fixture
def function_arn(aws: EmbeddedAws) -> str:
    iam = aws.client("iam")
    role = iam.create_role(RoleName="cr-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))
    # the handler records what it saw in SSM: its role must allow that, as on AWS
    iam.put_role_policy(RoleName="cr-role", PolicyName="record", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "arn:aws:ssm:*:*:parameter/cr/*"}]}))
    return aws.client("lambda").create_function(
        FunctionName="seeder", Runtime="python3.11", Role=role["Role"]["Arn"], Handler="app.handler", Timeout=30,
        Code={"ZipFile": zip_module({"app.py": HANDLER})})["FunctionArn"]


def _seen(aws: EmbeddedAws, request_type: str) -> dict:
    return json.loads(aws.client("ssm").get_parameter(Name=f"/cr/{request_type}")["Parameter"]["Value"])


def _outputs(aws: EmbeddedAws, stack: str) -> dict[str, str]:
    described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def test_create_update_and_delete_reach_the_function_and_its_answer_is_the_resource(aws: EmbeddedAws, function_arn: str) -> None:
    cfn = aws.client("cloudformation")
    stack_id = cfn.create_stack(StackName="cr", TemplateBody=_template(function_arn, "a"))["StackId"]
    assert cfn.describe_stacks(StackName="cr")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert _outputs(aws, "cr") == {"Greeting": "hello a", "Id": "seed-a"}
    created = _seen(aws, "Create")
    assert created["PhysicalResourceId"] is None
    assert created["ResourceProperties"] == {"ServiceToken": function_arn, "Name": "a", "Count": "3", "Enabled": "true", "Mode": "ok"}

    cfn.update_stack(StackName="cr", TemplateBody=_template(function_arn, "b"))
    updated = _seen(aws, "Update")
    assert (updated["PhysicalResourceId"], updated["OldResourceProperties"]["Name"], updated["ResourceProperties"]["Name"]) == ("seed-a", "a", "b")
    assert _outputs(aws, "cr") == {"Greeting": "hello b", "Id": "seed-b"}
    # a new physical id is a replacement: the old resource gets its Delete
    assert _seen(aws, "Delete")["PhysicalResourceId"] == "seed-a"

    cfn.delete_stack(StackName="cr")
    assert _seen(aws, "Delete")["PhysicalResourceId"] == "seed-b"
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_a_failed_answer_fails_the_create_with_the_functions_reason(aws: EmbeddedAws, function_arn: str) -> None:
    aws.client("cloudformation").create_stack(StackName="cr", TemplateBody=_template(function_arn, "a", mode="fail"))
    assert stack_outcome(aws.client("cloudformation"), "cr") == ("ROLLBACK_COMPLETE", [
        ("Seed", "Received response status [FAILED] from custom resource. Message returned: the seed is missing")])


def test_a_function_that_returns_without_answering_fails_at_once_naming_its_error(aws: EmbeddedAws, function_arn: str) -> None:
    aws.client("cloudformation").create_stack(StackName="cr", TemplateBody=_template(function_arn, "a", mode="crash"))
    assert stack_outcome(aws.client("cloudformation"), "cr") == ("ROLLBACK_COMPLETE", [
        ("Seed", "the custom resource function sent no response (RuntimeError: handler bug)")])


def test_a_missing_function_is_named(aws: EmbeddedAws) -> None:
    missing = "arn:aws:lambda:us-east-1:123456789012:function:nope"
    aws.client("cloudformation").create_stack(StackName="cr", TemplateBody=_template(missing, "a"))
    assert stack_outcome(aws.client("cloudformation"), "cr") == ("ROLLBACK_COMPLETE", [
        ("Seed", f"the ServiceToken function {missing} does not exist")])


def test_the_generic_custom_resource_type_is_sent_too(aws: EmbeddedAws, function_arn: str) -> None:
    aws.client("cloudformation").create_stack(
        StackName="cr", TemplateBody=_template(function_arn, "g", resource_type="AWS::CloudFormation::CustomResource"))
    assert _outputs(aws, "cr") == {"Greeting": "hello g", "Id": "seed-g"}


def test_without_the_extension_moto_skips_the_generic_type_and_never_calls_the_function(aws: EmbeddedAws, function_arn: str) -> None:
    template = json.dumps({"Resources": {"Seed": {"Type": "AWS::CloudFormation::CustomResource", "Properties": {
        "ServiceToken": function_arn, "Name": "g"}}}})
    with extensions.disabled("cfn-custom-resources"):
        aws.client("cloudformation").create_stack(StackName="cr", TemplateBody=template)
        assert aws.client("cloudformation").describe_stacks(StackName="cr")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    with pytest.raises(ClientError, match="ParameterNotFound"):
        aws.client("ssm").get_parameter(Name="/cr/Create")
