"""Extension organizations-invitations, and service-managed stack sets targeting organizational units."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import organization_with_units, server_error, wait_for_stackset_operation

TOOLING, STAGING, PROD = "123456789012", "222222222222", "333333333333"
TEMPLATE = json.dumps({"Resources": {"P": {"Type": "AWS::SSM::Parameter",
                                            "Properties": {"Name": "/org/value", "Type": "String", "Value": "deployed"}}}})


def test_an_invited_account_that_accepts_is_a_member(aws: EmbeddedAws) -> None:
    org = aws.client("organizations")
    created = org.create_organization(FeatureSet="ALL")["Organization"]
    handshake = org.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": STAGING}, Notes="join us")["Handshake"]
    assert (handshake["State"], handshake["Action"]) == ("OPEN", "INVITE")
    assert {"Id": STAGING, "Type": "ACCOUNT"} in handshake["Parties"]
    assert [h["Id"] for h in aws.client("organizations", "staging").list_handshakes_for_account()["Handshakes"]] == [handshake["Id"]]

    with pytest.raises(ClientError) as raised:
        aws.client("organizations", "prod").accept_handshake(HandshakeId=handshake["Id"])
    assert raised.value.response["Error"]["Code"] == "HandshakeNotFoundException"
    with pytest.raises(ClientError) as raised:
        org.accept_handshake(HandshakeId=handshake["Id"])  # the inviter cannot accept for the invitee
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"

    accepted = aws.client("organizations", "staging").accept_handshake(HandshakeId=handshake["Id"])["Handshake"]
    assert accepted["State"] == "ACCEPTED"
    assert aws.client("organizations", "staging").describe_organization()["Organization"]["Id"] == created["Id"]
    member = org.describe_account(AccountId=STAGING)["Account"]
    assert (member["Id"], member["JoinedMethod"], member["Status"]) == (STAGING, "INVITED", "ACTIVE")
    with pytest.raises(ClientError) as raised:
        org.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": STAGING})
    assert raised.value.response["Error"]["Code"] == "DuplicateAccountException"
    with pytest.raises(ClientError) as raised:
        aws.client("organizations", "staging").accept_handshake(HandshakeId=handshake["Id"])
    assert raised.value.response["Error"]["Code"] == "InvalidHandshakeTransitionException"


def test_a_declined_invitation_leaves_the_account_outside(aws: EmbeddedAws) -> None:
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    handshake = org.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": PROD})["Handshake"]
    assert aws.client("organizations", "prod").decline_handshake(HandshakeId=handshake["Id"])["Handshake"]["State"] == "DECLINED"
    with pytest.raises(ClientError) as raised:
        aws.client("organizations", "prod").describe_organization()
    assert raised.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"


def test_service_managed_instances_reach_every_member_of_the_units_and_their_children(aws: EmbeddedAws) -> None:
    units = organization_with_units(aws)
    cfn = aws.client("cloudformation")
    cfn.create_stack_set(StackSetName="endpoints", TemplateBody=TEMPLATE, PermissionModel="SERVICE_MANAGED",
                         AutoDeployment={"Enabled": False})
    with pytest.raises(ClientError) as raised:
        cfn.create_stack_instances(StackSetName="endpoints", DeploymentTargets={"OrganizationalUnitIds": [units["staging"]]},
                                   Regions=["us-east-1"])
    assert raised.value.response["Error"]["Message"] == "You must enable organizations access to operate a service managed stack set"
    assert cfn.describe_organizations_access()["Status"] == "DISABLED"
    cfn.activate_organizations_access()
    assert cfn.describe_organizations_access()["Status"] == "ENABLED"

    operation = cfn.create_stack_instances(StackSetName="endpoints", Regions=["us-east-1"],
                                           DeploymentTargets={"OrganizationalUnitIds": [units["staging"], units["prod"]]})["OperationId"]
    assert wait_for_stackset_operation(cfn, "endpoints", operation)["Status"] == "SUCCEEDED"
    instances = {(i["Account"], i["OrganizationalUnitId"]) for i in cfn.list_stack_instances(StackSetName="endpoints")["Summaries"]}
    assert instances == {(STAGING, units["staging"]), (PROD, units["prod"])}  # prod sits in Prod's child unit Critical
    for account in ("staging", "prod"):
        assert aws.client("ssm", account).get_parameter(Name="/org/value")["Parameter"]["Value"] == "deployed"
    with pytest.raises(ClientError):
        aws.client("ssm").get_parameter(Name="/org/value")  # never the management account

    operation = cfn.delete_stack_instances(StackSetName="endpoints", Regions=["us-east-1"], RetainStacks=False,
                                           DeploymentTargets={"OrganizationalUnitIds": [units["staging"]]})["OperationId"]
    assert wait_for_stackset_operation(cfn, "endpoints", operation)["Status"] == "SUCCEEDED"
    assert [i["Account"] for i in cfn.list_stack_instances(StackSetName="endpoints")["Summaries"]] == [PROD]


def test_units_are_refused_for_self_managed_and_unknown_units_are_named(aws: EmbeddedAws) -> None:
    units = organization_with_units(aws)
    cfn = aws.client("cloudformation")
    cfn.activate_organizations_access()
    cfn.create_stack_set(StackSetName="self", TemplateBody=TEMPLATE, PermissionModel="SELF_MANAGED")
    with pytest.raises(ClientError, match="SELF_MANAGED permission model can only have accounts as target"):
        cfn.create_stack_instances(StackSetName="self", DeploymentTargets={"OrganizationalUnitIds": [units["staging"]]}, Regions=["us-east-1"])
    cfn.create_stack_set(StackSetName="managed", TemplateBody=TEMPLATE, PermissionModel="SERVICE_MANAGED", AutoDeployment={"Enabled": False})
    with pytest.raises(ClientError, match="OrganizationalUnit ou-zzzz-00000000 does not exist"):
        cfn.create_stack_instances(StackSetName="managed", DeploymentTargets={"OrganizationalUnitIds": ["ou-zzzz-00000000"]},
                                   Regions=["us-east-1"])


def test_without_the_extension_an_existing_account_cannot_be_invited(aws: EmbeddedAws) -> None:
    aws.client("organizations").create_organization(FeatureSet="ALL")
    with extensions.disabled("organizations-invitations"), server_error():
        aws.client("organizations").invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": STAGING})
