"""Extension cfn-stackset-operations: operations deploy, update and delete real stacks in the target accounts."""

from __future__ import annotations

import json

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import stackset_roles, wait_for_stackset_operation

STAGING, PROD = "222222222222", "333333333333"
TEMPLATE = json.dumps({
    "Parameters": {"Value": {"Type": "String"}, "Stage": {"Type": "String", "AllowedValues": ["staging", "prod"]}},
    "Resources": {"P": {"Type": "AWS::SSM::Parameter",
                        "Properties": {"Name": "/stackset/value", "Type": "String", "Value": {"Ref": "Value"},
                                       "Description": {"Ref": "Stage"}}}},
})


def _parameter(aws: EmbeddedAws, account: str) -> str:
    return aws.client("ssm", account).get_parameter(Name="/stackset/value")["Parameter"]["Value"]


def _stack_set(aws: EmbeddedAws, value: str = "v1") -> object:
    cfn = aws.client("cloudformation")
    cfn.create_stack_set(StackSetName="models", TemplateBody=TEMPLATE, PermissionModel="SELF_MANAGED",
                         Parameters=[{"ParameterKey": "Value", "ParameterValue": value},
                                     {"ParameterKey": "Stage", "ParameterValue": "staging"}])
    return cfn


def _create(aws: EmbeddedAws, accounts: list[str]) -> dict:
    cfn = _stack_set(aws)
    operation_id = cfn.create_stack_instances(StackSetName="models", Accounts=accounts, Regions=["us-east-1"])["OperationId"]
    return wait_for_stackset_operation(cfn, "models", operation_id)


def test_instances_are_stacks_in_the_target_accounts(aws: EmbeddedAws) -> None:
    stackset_roles(aws)
    operation = _create(aws, [STAGING, PROD])
    assert operation["Status"] == "SUCCEEDED" and operation["Action"] == "CREATE"
    assert _parameter(aws, "staging") == _parameter(aws, "prod") == "v1"
    [stack] = aws.client("cloudformation", "prod").describe_stacks()["Stacks"]
    assert stack["StackName"].startswith("StackSet-models-") and stack["StackStatus"] == "CREATE_COMPLETE"
    instances = aws.client("cloudformation").list_stack_instances(StackSetName="models")["Summaries"]
    assert {(i["Account"], i["Status"], i["StackInstanceStatus"]["DetailedStatus"]) for i in instances} == {
        (STAGING, "CURRENT", "SUCCEEDED"), (PROD, "CURRENT", "SUCCEEDED")}
    assert {i["StackId"].split("/")[1] for i in instances} == {stack["StackName"], aws.client("cloudformation", "staging").describe_stacks()["Stacks"][0]["StackName"]}


def test_update_stack_set_updates_only_the_chosen_accounts(aws: EmbeddedAws) -> None:
    stackset_roles(aws)
    _create(aws, [STAGING, PROD])
    cfn = aws.client("cloudformation")
    operation_id = cfn.update_stack_set(StackSetName="models", UsePreviousTemplate=True, Accounts=[STAGING], Regions=["us-east-1"],
                                        Parameters=[{"ParameterKey": "Value", "ParameterValue": "v2"},
                                                    {"ParameterKey": "Stage", "UsePreviousValue": True}])["OperationId"]
    assert wait_for_stackset_operation(cfn, "models", operation_id)["Status"] == "SUCCEEDED"
    assert (_parameter(aws, "staging"), _parameter(aws, "prod")) == ("v2", "v1")
    statuses = {i["Account"]: i["Status"] for i in cfn.list_stack_instances(StackSetName="models")["Summaries"]}
    assert statuses == {STAGING: "CURRENT", PROD: "OUTDATED"}

    operation_id = cfn.update_stack_instances(StackSetName="models", Accounts=[PROD], Regions=["us-east-1"],
                                              ParameterOverrides=[{"ParameterKey": "Value", "ParameterValue": "v3"}])["OperationId"]
    assert wait_for_stackset_operation(cfn, "models", operation_id)["Status"] == "SUCCEEDED"
    assert (_parameter(aws, "staging"), _parameter(aws, "prod")) == ("v2", "v3")


def test_missing_execution_role_fails_the_operation_naming_account_and_role(aws: EmbeddedAws) -> None:
    stackset_roles(aws, accounts=("staging",))
    operation = _create(aws, [STAGING, PROD])
    assert operation["Status"] == "FAILED"
    reason = (f"Account {PROD} should have 'AWSCloudFormationStackSetExecutionRole' role with trust relationship to Role "
              "'AWSCloudFormationStackSetAdministrationRole'.")
    assert operation["StatusReason"] == f"1 of 2 stack instance(s) failed: {PROD}/us-east-1: {reason}"
    results = aws.client("cloudformation").list_stack_set_operation_results(
        StackSetName="models", OperationId=operation["OperationId"])["Summaries"]
    assert {(r["Account"], r["Status"], r.get("StatusReason", "")) for r in results} == {
        (STAGING, "SUCCEEDED", ""), (PROD, "FAILED", reason)}
    assert aws.client("cloudformation", "prod").describe_stacks()["Stacks"] == []


def test_execution_role_trusting_another_role_is_refused(aws: EmbeddedAws) -> None:
    stackset_roles(aws, accounts=())
    aws.client("iam", "staging").create_role(RoleName="AWSCloudFormationStackSetExecutionRole", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/other"},
                                                "Action": "sts:AssumeRole"}]}))
    operation = _create(aws, [STAGING])
    assert operation["Status"] == "FAILED" and f"Account {STAGING} should have" in operation["StatusReason"]


def test_administration_role_must_exist(aws: EmbeddedAws) -> None:
    operation = _create(aws, [STAGING])
    assert operation["StatusReason"].endswith(
        "Administration role arn:aws:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole does not exist.")


def test_failed_stack_update_is_reported_and_tolerance_allows_it(aws: EmbeddedAws) -> None:
    stackset_roles(aws)
    _create(aws, [STAGING])
    cfn = aws.client("cloudformation")
    operation_id = cfn.update_stack_set(StackSetName="models", UsePreviousTemplate=True,
                                        Parameters=[{"ParameterKey": "Value", "UsePreviousValue": True},
                                                    {"ParameterKey": "Stage", "ParameterValue": "qa"}])["OperationId"]
    operation = wait_for_stackset_operation(cfn, "models", operation_id)
    assert operation["Status"] == "FAILED"
    assert "Parameter 'Stage' must be one of AllowedValues" in operation["StatusReason"]
    [instance] = cfn.list_stack_instances(StackSetName="models")["Summaries"]
    assert (instance["Status"], instance["StackInstanceStatus"]["DetailedStatus"]) == ("OUTDATED", "FAILED")
    assert _parameter(aws, "staging") == "v1"

    operation_id = cfn.update_stack_set(StackSetName="models", UsePreviousTemplate=True, OperationPreferences={"FailureToleranceCount": 1},
                                        Parameters=[{"ParameterKey": "Value", "UsePreviousValue": True},
                                                    {"ParameterKey": "Stage", "ParameterValue": "qa"}])["OperationId"]
    assert wait_for_stackset_operation(cfn, "models", operation_id)["Status"] == "SUCCEEDED"


def test_delete_instances_removes_the_stacks(aws: EmbeddedAws) -> None:
    stackset_roles(aws)
    _create(aws, [STAGING, PROD])
    cfn = aws.client("cloudformation")
    operation_id = cfn.delete_stack_instances(StackSetName="models", Accounts=[STAGING, PROD], Regions=["us-east-1"],
                                              RetainStacks=False)["OperationId"]
    assert wait_for_stackset_operation(cfn, "models", operation_id)["Status"] == "SUCCEEDED"
    assert aws.client("ssm", "prod").describe_parameters()["Parameters"] == []
    assert [s["StackSetName"] for s in cfn.list_stack_sets(Status="ACTIVE")["Summaries"]] == ["models"]
    cfn.delete_stack_set(StackSetName="models")
    with pytest.raises(cfn.exceptions.StackSetNotFoundException):
        cfn.describe_stack_set(StackSetName="models")
    assert cfn.list_stack_sets(Status="ACTIVE")["Summaries"] == []
    assert [s["Status"] for s in cfn.list_stack_sets(Status="DELETED")["Summaries"]] == ["DELETED"]


def test_without_extension_update_leaves_target_stacks_unchanged(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-stackset-operations"):
        _create(aws, [STAGING])
        cfn = aws.client("cloudformation")
        cfn.update_stack_set(StackSetName="models", UsePreviousTemplate=True, Accounts=[STAGING], Regions=["us-east-1"],
                             Parameters=[{"ParameterKey": "Value", "ParameterValue": "v2"},
                                         {"ParameterKey": "Stage", "UsePreviousValue": True}])
        assert _parameter(aws, "staging") == "v1"
        assert aws.client("cloudformation", "staging").describe_stacks()["Stacks"][0]["StackName"] == "StackSet:models"


SSM_TYPED = json.dumps({
    "Parameters": {"Subnet": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/network/subnet"}},
    "Resources": {"P": {"Type": "AWS::SSM::Parameter",
                        "Properties": {"Name": "/stackset/subnet", "Type": "String", "Value": {"Ref": "Subnet"}}}},
})


#: The execution role may create, tag and delete the parameters the templates here hold (and nothing else).
WRITE_STACKSET_PARAMETERS = {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:DeleteParameter"],
                             "Resource": "arn:aws:ssm:*:*:parameter/stackset/*"}


@pytest.mark.parametrize("granted", [False, True], ids=["execution-role-cannot-read", "execution-role-reads"])
def test_ssm_typed_parameters_are_resolved_as_the_execution_role(aws: EmbeddedAws, granted: bool) -> None:
    stackset_roles(aws, accounts=("staging",), execution_statements=(WRITE_STACKSET_PARAMETERS,))
    aws.client("ssm", "staging").put_parameter(Name="/network/subnet", Value="subnet-1", Type="String")
    if granted:
        aws.client("iam", "staging").put_role_policy(
            RoleName="AWSCloudFormationStackSetExecutionRole", PolicyName="read-network", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters",
                                                        "Resource": "arn:aws:ssm:*:*:parameter/network/*"}]}))
    cfn = aws.client("cloudformation")
    cfn.create_stack_set(StackSetName="networked", TemplateBody=SSM_TYPED, PermissionModel="SELF_MANAGED")
    operation = wait_for_stackset_operation(cfn, "networked", cfn.create_stack_instances(
        StackSetName="networked", Accounts=[STAGING], Regions=["us-east-1"])["OperationId"])
    [instance] = cfn.list_stack_instances(StackSetName="networked")["Summaries"]
    if granted:
        assert operation["Status"] == "SUCCEEDED"
        assert aws.client("ssm", "staging").get_parameter(Name="/stackset/subnet")["Parameter"]["Value"] == "subnet-1"
    else:
        assert operation["Status"] == "FAILED"
        assert (f"arn:aws:sts::{STAGING}:assumed-role/AWSCloudFormationStackSetExecutionRole/AWSCloudFormation is not "
                f"authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:{STAGING}:parameter/network/subnet"
                ) in instance["StatusReason"]


def test_the_execution_role_creates_and_deletes_the_resources_with_its_own_rights(aws: EmbeddedAws) -> None:
    stackset_roles(aws, accounts=("staging", "prod"), execution_statements=(
        {"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "arn:aws:ssm:*:*:parameter/other/*"},))
    operation = _create(aws, [STAGING])
    [instance] = aws.client("cloudformation").list_stack_instances(StackSetName="models")["Summaries"]
    assert operation["Status"] == "FAILED"
    assert instance["StatusReason"].startswith(
        'ResourceLogicalId:P, ResourceType:AWS::SSM::Parameter, ResourceStatusReason:Resource handler returned message: "User: '
        f"arn:aws:sts::{STAGING}:assumed-role/AWSCloudFormationStackSetExecutionRole/AWSCloudFormation is not authorized to perform: "
        f"ssm:PutParameter on resource: arn:aws:ssm:us-east-1:{STAGING}:parameter/stackset/value because no identity-based policy "
        "allows the ssm:PutParameter action (Service: Ssm, Status Code: 403, Request ID: "), instance["StatusReason"]
    [stack] = aws.client("cloudformation", "staging").describe_stacks()["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    # allowed to create but not to delete: the stack stays, DELETE_FAILED, and the instance says why
    aws.client("iam", "prod").put_role_policy(RoleName="AWSCloudFormationStackSetExecutionRole", PolicyName="deploy", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "*"}]}))
    cfn = aws.client("cloudformation")
    assert wait_for_stackset_operation(cfn, "models", cfn.create_stack_instances(
        StackSetName="models", Accounts=[PROD], Regions=["us-east-1"])["OperationId"])["Status"] == "SUCCEEDED"
    deleted = wait_for_stackset_operation(cfn, "models", cfn.delete_stack_instances(
        StackSetName="models", Accounts=[PROD], Regions=["us-east-1"], RetainStacks=False)["OperationId"])
    assert deleted["Status"] == "FAILED"
    [prod_stack] = aws.client("cloudformation", "prod").describe_stacks()["Stacks"]
    assert prod_stack["StackStatus"] == "DELETE_FAILED"
    assert _parameter(aws, "prod") == "v1"


@pytest.mark.parametrize("call", ["create_stack_instances", "update_stack_instances"])
def test_a_request_while_an_operation_runs_is_refused_and_changes_nothing(aws: EmbeddedAws, call: str) -> None:
    from moto.cloudformation.models import cloudformation_backends

    stackset_roles(aws)
    _create(aws, [STAGING])
    stack_set = cloudformation_backends["123456789012"]["us-east-1"].describe_stack_set("models")
    stack_set.operations.append({"OperationId": "running", "Action": "UPDATE", "Status": "RUNNING"})  # one still in flight
    cfn = aws.client("cloudformation")
    overrides = [{"ParameterKey": "Value", "ParameterValue": "v2"}]
    with pytest.raises(cfn.exceptions.OperationInProgressException, match="Another Operation on StackSet models is in progress"):
        getattr(cfn, call)(StackSetName="models", Accounts=[STAGING if call == "update_stack_instances" else PROD],
                           Regions=["us-east-1"], ParameterOverrides=overrides)
    instances = cfn.list_stack_instances(StackSetName="models")["Summaries"]
    assert [(i["Account"], i["Status"]) for i in instances] == [(STAGING, "CURRENT")]
    assert cfn.describe_stack_instance(StackSetName="models", StackInstanceAccount=STAGING,
                                       StackInstanceRegion="us-east-1")["StackInstance"].get("ParameterOverrides", []) == []
