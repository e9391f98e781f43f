"""Extension cfn-parameter-constraints: CloudFormation rejects parameter values outside their constraints."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions

TEMPLATE = json.dumps({
    "Parameters": {
        "InstanceType": {"Type": "String", "AllowedValues": ["ml.t3.medium", "ml.t3.large"], "Default": "ml.t3.medium"},
        "UserName": {"Type": "String", "AllowedPattern": "[a-z][a-z0-9-]*", "MaxLength": 10},
        "VolumeSize": {"Type": "Number", "MinValue": 5, "MaxValue": 100, "Default": 5},
    },
    "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/p", "Type": "String", "Value": {"Ref": "UserName"}}}},
})


def _create(aws: EmbeddedAws, **values: str) -> None:
    aws.client("cloudformation").create_stack(
        StackName="s", TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()])


@pytest.mark.parametrize(("values", "message"), [
    ({"UserName": "ana", "InstanceType": "ml.p4d.24xlarge"}, "Parameter 'InstanceType' must be one of AllowedValues"),
    ({"UserName": "Ana"}, "Parameter 'UserName' must match pattern [a-z][a-z0-9-]*"),
    ({"UserName": "averyverylongname"}, "Parameter 'UserName' must contain at most 10 characters"),
    ({"UserName": "ana", "VolumeSize": "2"}, "Parameter 'VolumeSize' must be a number not less than 5"),
    ({"UserName": "ana", "VolumeSize": "500"}, "Parameter 'VolumeSize' must be a number not greater than 100"),
    ({"UserName": "ana", "VolumeSize": "big"}, "Parameter 'VolumeSize' must be a number."),
], ids=["allowed-values", "pattern", "max-length", "min-value", "max-value", "not-a-number"])
def test_violations_are_rejected_and_nothing_is_created(aws: EmbeddedAws, values: dict, message: str) -> None:
    with pytest.raises(ClientError) as raised:
        _create(aws, **values)
    assert raised.value.response["Error"] == {"Code": "ValidationError", "Message": message, "Type": "Sender"}
    assert aws.client("cloudformation").list_stacks()["StackSummaries"] == []


def test_valid_values_pass_and_updates_are_checked_too(aws: EmbeddedAws) -> None:
    _create(aws, UserName="ana", VolumeSize="50")
    cfn = aws.client("cloudformation")
    with pytest.raises(ClientError) as raised:
        cfn.update_stack(StackName="s", UsePreviousTemplate=True, Parameters=[
            {"ParameterKey": "UserName", "UsePreviousValue": True}, {"ParameterKey": "VolumeSize", "ParameterValue": "101"}])
    assert raised.value.response["Error"]["Message"] == "Parameter 'VolumeSize' must be a number not greater than 100"


def test_without_extension_anything_goes(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-parameter-constraints"):
        _create(aws, UserName="Not Valid!", InstanceType="ml.p4d.24xlarge")
    assert aws.client("cloudformation").describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


SSM_TEMPLATE = json.dumps({
    "Parameters": {"Subnets": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/platform/subnets"},
                   "Group": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/platform/group"}},
    "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/copy", "Type": "String", "Value": {"Ref": "Subnets"}}}},
    "Outputs": {"Subnets": {"Value": {"Ref": "Subnets"}}},
})


def test_ssm_typed_parameters_naming_missing_ssm_parameters_are_rejected_by_name(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    aws.client("ssm").put_parameter(Name="/platform/group", Value="sg-1", Type="String")
    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName="s", TemplateBody=SSM_TEMPLATE)
    assert raised.value.response["Error"]["Message"] == "Parameters: [ssm:/platform/subnets] cannot be found."
    assert cfn.list_stacks()["StackSummaries"] == []
    aws.client("ssm").put_parameter(Name="/platform/subnets", Value="subnet-a,subnet-b", Type="String")
    cfn.create_stack(StackName="s", TemplateBody=SSM_TEMPLATE)
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert (stack["StackStatus"], stack["Outputs"][0]["OutputValue"]) == ("CREATE_COMPLETE", "subnet-a,subnet-b")
