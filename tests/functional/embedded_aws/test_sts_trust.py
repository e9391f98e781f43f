"""Extension sts-assume-role-trust: AssumeRole honours role existence and trust policies."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.extensions.sts_trust import trust_allows

ACCESS_ROLE = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"


def test_tooling_assumes_the_access_role_and_acts_in_staging(aws: EmbeddedAws) -> None:
    creds = aws.client("sts").assume_role(RoleArn=ACCESS_ROLE, RoleSessionName="deploy")["Credentials"]
    from embedded_aws.clients import credentials_client

    sts = credentials_client(aws.endpoint_url, "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/deploy"


@pytest.mark.parametrize(
    ("caller", "role_arn"),
    [("tooling", "arn:aws:iam::222222222222:role/Missing"), ("prod", ACCESS_ROLE)],
    ids=["role-missing", "caller-not-trusted"],
)
def test_assume_role_is_denied(aws: EmbeddedAws, caller: str, role_arn: str) -> None:
    with pytest.raises(ClientError) as raised:
        aws.client("sts", caller).assume_role(RoleArn=role_arn, RoleSessionName="deploy")
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    caller_id = aws.accounts.by_name()[caller]
    assert error["Message"] == (
        f"User: arn:aws:iam::{caller_id}:user/embedded-admin is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )


def test_without_extension_moto_hands_out_any_role(aws: EmbeddedAws) -> None:
    with extensions.disabled("sts-assume-role-trust"):
        creds = aws.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/Missing", RoleSessionName="x1")
    assert creds["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/Missing")


@pytest.mark.parametrize(
    ("principal", "effect", "expected"),
    [
        ({"AWS": "111111111111"}, "Allow", True),
        ({"AWS": ["arn:aws:iam::111111111111:role/ci"]}, "Allow", True),
        ({"AWS": "arn:aws:iam::111111111111:role/other"}, "Allow", False),
        ("*", "Allow", True),
        ({"Service": "lambda.amazonaws.com"}, "Allow", False),
        ({"AWS": "111111111111"}, "Deny", False),
    ],
    ids=["account-id", "role-arn", "other-role", "star", "service-only", "deny"],
)
def test_trust_evaluation(principal: object, effect: str, expected: bool) -> None:
    policy = {"Statement": [{"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}]}
    assert trust_allows(policy, "arn:aws:sts::111111111111:assumed-role/ci/session", "111111111111") is expected  # type: ignore[arg-type]
