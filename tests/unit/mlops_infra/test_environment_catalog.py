"""Intent of the environment product: the DS admin launches environments, a scoped launch role builds them through CloudFormation."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from mlops_infra.constructs.environment_catalog import NETWORK_ACTIONS


@pytest.fixture(scope="module")
def tooling_in_environment(secure_synthesized: dict) -> Template:
    return Template.from_json(secure_synthesized["mlops-tooling"].template)


def _launch_statements(template: Template) -> dict[str, dict[str, Any]]:
    [role] = template.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-environment-launch"}}).values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "servicecatalog.amazonaws.com"}
    [policy] = role["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_only_with_the_environment_is_there_an_environment_portfolio(tooling: Template, tooling_in_environment: Template) -> None:
    assert tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-environment-launch"}}) == {}
    assert "EnvironmentProductId" not in tooling.to_json()["Outputs"]
    tooling_in_environment.has_resource_properties("AWS::ServiceCatalog::Portfolio", {"DisplayName": "mlops ML environments"})
    tooling_in_environment.has_resource_properties("AWS::ServiceCatalog::CloudFormationProduct", {
        "Name": "mlops secure ML environment", "ProvisioningArtifactParameters": [{"Name": "v1", "DisableTemplateValidation": False,
                                                                                  "Info": {"LoadTemplateFromURL": Match.any_value()}}]})
    assert {"EnvironmentPortfolioId", "EnvironmentProductId"} <= tooling_in_environment.to_json()["Outputs"].keys()


def test_the_ds_admin_persona_may_launch_it_with_the_scoped_launch_role(tooling_in_environment: Template) -> None:
    resources = tooling_in_environment.to_json()["Resources"]
    [portfolio_id] = [k for k, r in resources.items()
                      if r["Type"] == "AWS::ServiceCatalog::Portfolio" and r["Properties"]["DisplayName"] == "mlops ML environments"]
    associations = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ServiceCatalog::PortfolioPrincipalAssociation"
                    and r["Properties"]["PortfolioId"] == {"Ref": portfolio_id}]
    assert [(a["PrincipalType"], _flat(a["PrincipalARN"])) for a in associations] == [
        ("IAM", "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/mlops-ds-admin")]
    [constraint] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ServiceCatalog::LaunchRoleConstraint"
                    and r["Properties"]["PortfolioId"] == {"Ref": portfolio_id}]
    assert constraint["LocalRoleName"] == {"Ref": next(k for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"
                                                       and r["Properties"].get("RoleName") == "mlops-environment-launch")}


def test_the_launch_role_acts_only_through_cloudformation_and_attaches_only_the_environments_policies(
        tooling_in_environment: Template) -> None:
    statements = _launch_statements(tooling_in_environment)
    through = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}
    # Service Catalog starts the stack with the role (and CloudFormation reads the template with it); passing the flow-log
    # role is CloudFormation's call to EC2 (iam:PassedToService)
    assert {sid for sid, s in statements.items() if through.items() <= s.get("Condition", {}).items()} == set(statements) - {
        "EnvironmentStacks", "ProductTemplates", "PassFlowLogRole"}
    assert _flat(statements["EnvironmentStacks"]["Resource"]) == (
        "arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*/*")
    attach = statements["AttachOnlyTheEnvironmentsPolicies"]
    assert attach["Action"] == ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    assert [_flat(arn) for arn in attach["Condition"]["ArnLike"]["iam:PolicyARN"]] == [
        "arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/*-ml-guardrails", "arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess"]
    assert statements["PassFlowLogRole"]["Condition"] == {"StringEquals": {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}}
    assert statements["ManageStoreKeys"]["Condition"]["StringEquals"] == {"aws:ResourceTag/project": "mlops"}
    assert _flat(statements["Stores"]["Resource"]) == "arn:<AWS::Partition>:s3:::*-ml-*"
    assert sorted(statements["Network"]["Action"]) == sorted(NETWORK_ACTIONS)
    assert not any(a.startswith(("ec2:*", "iam:*", "s3:*", "kms:*")) for s in statements.values() for a in _actions(s))


def test_the_ds_admin_persona_may_provision_and_manage_only_their_own_environments(secure_synthesized: dict) -> None:
    environment = Template.from_json(secure_synthesized["mlops-ml-environment"].template)
    policies = environment.find_resources("AWS::IAM::Policy")
    statements = {s["Sid"]: s for p in policies.values() if "DsAdmin" in str(p["Properties"]["Roles"])
                  for s in p["Properties"]["PolicyDocument"]["Statement"]}
    assert "servicecatalog:ProvisionProduct" in statements["LaunchEnvironments"]["Action"]
    assert statements["ManageOwnEnvironments"]["Condition"] == {"StringEquals": {"servicecatalog:userLevel": "self"}}
    assert "servicecatalog:TerminateProvisionedProduct" in statements["ManageOwnEnvironments"]["Action"]


def _actions(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def _flat(value: Any) -> str:
    """A joined ARN with its references written as <Name>."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return "".join(_flat(part) for part in value["Fn::Join"][1])
