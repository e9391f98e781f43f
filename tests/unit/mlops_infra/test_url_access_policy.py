"""Policy evaluation: an analyst's own identity policy reaches only their own URL parameter (SSM route)."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest
from aws_cdk.assertions import Template

ACCOUNT, REGION = "123456789012", "us-east-1"


def resolve(value: Any, username: str) -> str:
    """A policy Resource from the template, with pseudo parameters and ${aws:username} filled in."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part, username) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}[value["Ref"]]
    return str(value).replace("${aws:username}", username)


def allowed(statements: list[dict[str, Any]], username: str, action: str, resource: str) -> bool:
    """IAM's answer for an identity policy without conditions: an Allow matches, nothing denies."""
    granted = False
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if action in actions and any(fnmatch.fnmatchcase(resource, resolve(r, username)) for r in resources):
            if statement["Effect"] == "Deny":
                return False
            granted = True
    return granted


@pytest.fixture(scope="module")
def analyst_statements(tooling: Template) -> list[dict[str, Any]]:
    [policy] = [p for p in tooling.find_resources("AWS::IAM::Policy").values()
                if any(s.get("Sid") == "OwnNotebookUrlOnly" for s in p["Properties"]["PolicyDocument"]["Statement"])]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _parameter(user: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/SageMaker/Notebooks/{user}-Notebook"


def test_an_analyst_reads_their_own_url(analyst_statements: list) -> None:
    assert allowed(analyst_statements, "ana", "ssm:GetParameter", _parameter("ana"))


@pytest.mark.parametrize("other", ["bob", "an", "ana-Notebook/../bob"])
def test_an_analyst_cannot_read_another_users_url(analyst_statements: list, other: str) -> None:
    assert not allowed(analyst_statements, "ana", "ssm:GetParameter", _parameter(other))


def test_no_listing_or_writing_of_url_parameters(analyst_statements: list) -> None:
    for action in ("ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DescribeParameters", "ssm:GetParameters"):
        assert not allowed(analyst_statements, "ana", action, _parameter("ana"))
