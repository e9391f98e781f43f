"""Trust checks of the account readiness report."""

from __future__ import annotations

from mlops_platform.deploy.account_checks import trusts

ADMIN = "arn:aws:iam::123456789012:role/mlops-stackset-administration"


def _trust(principal: object, condition: dict | None = None, action: object = "sts:AssumeRole") -> dict:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_the_role_itself_the_account_or_its_root_is_trusted() -> None:
    assert trusts(_trust(ADMIN), ADMIN)
    assert trusts(_trust(["arn:aws:iam::123456789012:root"]), ADMIN)
    assert trusts(_trust("123456789012"), ADMIN)


def test_another_role_account_action_or_a_conditional_trust_is_not_enough() -> None:
    assert not trusts(_trust("arn:aws:iam::123456789012:role/other"), ADMIN)
    assert not trusts(_trust("arn:aws:iam::999999999999:root"), ADMIN)
    assert not trusts(_trust(ADMIN, action="sts:TagSession"), ADMIN)
    assert not trusts(_trust(ADMIN, condition={"StringEquals": {"sts:ExternalId": "x"}}), ADMIN)  # the deploy passes no external id
