"""The deployer's principal gets a launch path to the project products: its IAM ARN, a role's with its path."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_platform.deploy.platform import principal_arn


class Sts:
    def __init__(self, arn: str) -> None:
        self.arn = arn

    def get_caller_identity(self) -> dict[str, str]:
        return {"Arn": self.arn}


class Iam:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_role(self, RoleName: str) -> dict[str, Any]:
        self.asked.append(RoleName)
        return {"Role": {"Arn": f"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/{RoleName}"}}


@pytest.mark.parametrize(("caller", "expected", "looked_up"), [
    ("arn:aws:iam::123456789012:user/ops", "arn:aws:iam::123456789012:user/ops", []),
    ("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1a2b/ana@example.com",
     "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1a2b", ["AWSReservedSSO_Admin_1a2b"]),
    ("arn:aws:iam::123456789012:root", "", []),
], ids=["user", "sso-role-session", "root"])
def test_principal_arn(caller: str, expected: str, looked_up: list[str]) -> None:
    iam = Iam()
    assert principal_arn(Sts(caller), iam) == expected
    assert iam.asked == looked_up
