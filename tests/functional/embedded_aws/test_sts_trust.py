"""Extension sts-assume-role-trust: AssumeRole honours role existence and trust policies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.clients import credentials_client
from embedded_aws.extensions.sts_trust import trust_allows
from support import assume_as_user

ACCESS_ROLE = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"


def test_tooling_assumes_the_access_role_and_acts_in_staging(aws: EmbeddedAws) -> None:
    creds = aws.client("sts").assume_role(RoleArn=ACCESS_ROLE, RoleSessionName="deploy")["Credentials"]
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


def _trusting(aws: EmbeddedAws, name: str, condition: dict) -> str:
    """A role trusting the tooling account under ``condition``."""
    return aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
        "Condition": condition}]}))["Role"]["Arn"]


def _denied(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    return str(raised.value.response["Error"]["Message"])


def test_a_role_for_people_with_mfa_needs_the_device_and_code(aws: EmbeddedAws) -> None:
    role = _trusting(aws, "people", {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    sts = aws.client("sts")
    assert _denied(lambda: sts.assume_role(RoleArn=role, RoleSessionName="ana")) == (
        f"User: arn:aws:iam::123456789012:user/embedded-admin is not authorized to perform: sts:AssumeRole on resource: {role}")
    with_mfa = sts.assume_role(RoleArn=role, RoleSessionName="ana", SerialNumber="arn:aws:iam::123456789012:mfa/ana",
                               TokenCode="123456")["Credentials"]
    # a session (which has no MFA of its own) cannot chain into the role either
    chained = credentials_client(aws.endpoint_url, "sts", with_mfa["AccessKeyId"], with_mfa["SecretAccessKey"], with_mfa["SessionToken"])
    _allow_assume(aws, "people", role)
    assert "assumed-role/people/ana is not authorized to perform: sts:AssumeRole" in _denied(
        lambda: chained.assume_role(RoleArn=role, RoleSessionName="again"))


def _allow_assume(aws: EmbeddedAws, role_name: str, target: str) -> None:
    aws.client("iam").put_role_policy(RoleName=role_name, PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target}]}))


def test_a_session_named_after_its_user_only(aws: EmbeddedAws) -> None:
    role = _trusting(aws, "named", {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}})
    assert _denied(lambda: assume_as_user(aws, "ana", role, session="bob"))
    assert assume_as_user(aws, "ana", role)["AccessKeyId"]


def test_a_role_for_a_third_party_needs_its_external_id(aws: EmbeddedAws) -> None:
    role = _trusting(aws, "vendor", {"StringEquals": {"sts:ExternalId": "acme-42"}})
    sts = aws.client("sts")
    _denied(lambda: sts.assume_role(RoleArn=role, RoleSessionName="vendor-run"))
    _denied(lambda: sts.assume_role(RoleArn=role, RoleSessionName="vendor-run", ExternalId="acme-41"))
    assert sts.assume_role(RoleArn=role, RoleSessionName="vendor-run", ExternalId="acme-42")["AssumedRoleUser"]["Arn"].endswith(":assumed-role/vendor/vendor-run")
