"""Extension iam-policy-simulator: SimulatePrincipalPolicy answers as the embedded IAM decides."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.clients import credentials_client
from support import trust_policy

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/jobs"


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def role(aws: EmbeddedAws) -> str:
    iam = aws.client("iam")
    iam.create_role(RoleName="jobs", AssumeRolePolicyDocument=trust_policy("sagemaker.amazonaws.com"))
    iam.put_role_policy(RoleName="jobs", PolicyName="work", PolicyDocument=_policy(
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"},
        {"Sid": "Metrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}))
    return ROLE


def _decisions(aws: EmbeddedAws, **request: object) -> dict[str, str]:
    results = aws.client("iam").simulate_principal_policy(PolicySourceArn=ROLE, **request)["EvaluationResults"]
    return {r["EvalActionName"]: r["EvalDecision"] for r in results}


def test_each_action_gets_the_decision_iam_would_make(aws: EmbeddedAws, role: str) -> None:
    assert _decisions(aws, ActionNames=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], ResourceArns=["arn:aws:s3:::data/x.csv"]) == {
        "s3:GetObject": "allowed", "s3:PutObject": "implicitDeny", "s3:DeleteObject": "explicitDeny"}
    assert _decisions(aws, ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::other/x.csv"]) == {"s3:GetObject": "implicitDeny"}
    # a condition the request does not satisfy (or cannot, without context) does not allow
    assert _decisions(aws, ActionNames=["cloudwatch:PutMetricData"]) == {"cloudwatch:PutMetricData": "implicitDeny"}
    assert _decisions(aws, ActionNames=["cloudwatch:PutMetricData"], ContextEntries=[
        {"ContextKeyName": "cloudwatch:namespace", "ContextKeyValues": ["/aws/sagemaker/TrainingJobs"], "ContextKeyType": "string"}]) == {
        "cloudwatch:PutMetricData": "allowed"}


def test_a_permissions_boundary_limits_what_the_policies_allow(aws: EmbeddedAws, role: str) -> None:
    iam = aws.client("iam")
    boundary = iam.create_policy(PolicyName="only-metrics", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"}))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="jobs", PermissionsBoundary=boundary)
    [result] = aws.client("iam").simulate_principal_policy(PolicySourceArn=ROLE, ActionNames=["s3:GetObject"],
                                                           ResourceArns=["arn:aws:s3:::data/x.csv"])["EvaluationResults"]
    assert (result["EvalDecision"], result["PermissionsBoundaryDecisionDetail"]) == ("implicitDeny", {"AllowedByPermissionsBoundary": False})


def test_unknown_principals_and_callers_without_the_permission_are_refused(aws: EmbeddedAws, role: str) -> None:
    with pytest.raises(ClientError) as missing:
        aws.client("iam").simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/none", ActionNames=["s3:GetObject"])
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"
    iam = aws.client("iam")
    iam.create_user(UserName="ana")
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    ana = credentials_client(aws.endpoint_url, "iam", key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)
    with pytest.raises(ClientError) as refused:
        ana.simulate_principal_policy(PolicySourceArn=ROLE, ActionNames=["s3:GetObject"])
    assert refused.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/ana is not authorized to perform: iam:SimulatePrincipalPolicy on resource: {ROLE} "
        "because no identity-based policy allows the iam:SimulatePrincipalPolicy action")


def test_without_the_extension_moto_has_no_simulator(aws: EmbeddedAws, role: str) -> None:
    with extensions.disabled("iam-policy-simulator"), pytest.raises(ClientError) as raised:
        aws.client("iam").simulate_principal_policy(PolicySourceArn=ROLE, ActionNames=["s3:GetObject"])
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
