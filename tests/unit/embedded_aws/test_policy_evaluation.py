"""The IAM evaluator (embedded AWS and offline checks): explicit Deny beats Allow, conditions, wildcards, variables, policy kinds."""

from __future__ import annotations

import pytest

from embedded_aws.iam.evaluator import EXPLICIT_DENY, IMPLICIT_DENY, UnsupportedCondition, authorize, evaluate, principal_names

ALLOW_SAGEMAKER = {"Statement": [{"Sid": "Work", "Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}]}


def _deny(condition: dict) -> dict:
    return {"Statement": [{"Sid": "Fence", "Effect": "Deny", "Action": "sagemaker:Create*", "Resource": "*", "Condition": condition}]}


def test_allow_without_deny_is_allowed_and_nothing_is_implicitly_denied() -> None:
    assert evaluate([ALLOW_SAGEMAKER], "sagemaker:CreateTrainingJob").allowed
    assert evaluate([ALLOW_SAGEMAKER], "s3:GetObject").result == IMPLICIT_DENY


def test_actions_match_case_insensitively_and_with_wildcards() -> None:
    assert evaluate([ALLOW_SAGEMAKER], "SageMaker:createTrainingJob").allowed


def test_a_deny_whose_condition_does_not_match_leaves_the_allow() -> None:
    policies = [ALLOW_SAGEMAKER, _deny({"Null": {"sagemaker:VpcSubnets": "true"}})]
    assert evaluate(policies, "sagemaker:CreateTrainingJob", context={"sagemaker:VpcSubnets": ["subnet-1"]}).allowed
    decision = evaluate(policies, "sagemaker:CreateTrainingJob")
    assert (decision.result, decision.statement) == (EXPLICIT_DENY, "Fence")


def test_negated_operators_match_an_absent_key_and_if_exists_skips_it() -> None:
    fence = [ALLOW_SAGEMAKER, _deny({"StringNotEquals": {"aws:SourceVpce": ["vpce-1"]}})]
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl").result == EXPLICIT_DENY
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceVpce": "vpce-2"}).result == EXPLICIT_DENY
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceVpce": "vpce-1"}).allowed
    lenient = [ALLOW_SAGEMAKER, _deny({"StringEqualsIfExists": {"sagemaker:RootAccess": "Enabled"}})]
    assert evaluate(lenient, "sagemaker:CreateNotebookInstance").result == EXPLICIT_DENY  # absent: IfExists matches
    assert evaluate(lenient, "sagemaker:CreateNotebookInstance", context={"sagemaker:RootAccess": "Disabled"}).allowed


def test_resources_and_not_action() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"},
                            {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}]}
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::data/x.csv").allowed
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::other/x.csv").result == IMPLICIT_DENY
    assert evaluate([policy], "s3:PutObject", "arn:aws:s3:::data/x.csv").result == EXPLICIT_DENY


def test_an_unknown_operator_is_refused_not_guessed() -> None:
    with pytest.raises(UnsupportedCondition, match="NumericLessThan"):
        evaluate([_deny({"NumericLessThan": {"sagemaker:MaxRuntimeInSeconds": "3600"}})], "sagemaker:CreateTrainingJob",
                 context={"sagemaker:MaxRuntimeInSeconds": "100"})


# -- what IAM matches, and what fnmatch got wrong ------------------------------------------------------------------
def test_brackets_are_ordinary_characters_not_a_character_class() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/[ab]*"}]}
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::data/[ab]x").allowed
    assert evaluate([policy], "s3:GetObject", "arn:aws:s3:::data/ax").result == IMPLICIT_DENY


def test_a_wildcard_stays_inside_its_arn_segment() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:us-*:parameter/x"}]}
    # fnmatch let "us-*" run across the account segment; IAM matches the region segment only
    assert evaluate([policy], "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/x").result == IMPLICIT_DENY
    wide = {"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:*:*:parameter/a/*"}]}
    assert evaluate([wide], "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b/c").allowed


def test_arn_like_compares_segment_by_segment_and_arn_equals_accepts_wildcards() -> None:
    def deny(operator: str) -> dict:
        return _deny({operator: {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}})

    role = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin-ops"}
    other = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/analyst"}
    for operator in ("ArnLike", "ArnEquals"):
        assert evaluate([ALLOW_SAGEMAKER, deny(operator)], "sagemaker:CreateModel", context=role).result == EXPLICIT_DENY
        assert evaluate([ALLOW_SAGEMAKER, deny(operator)], "sagemaker:CreateModel", context=other).allowed


def test_policy_variables_in_resources_and_conditions() -> None:
    own = {"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter",
                          "Resource": "arn:aws:ssm:*:*:parameter/home/${aws:username}/*"}]}
    ana = {"aws:username": "ana"}
    assert evaluate([own], "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/home/ana/x", ana).allowed
    assert evaluate([own], "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/home/bob/x", ana).result == IMPLICIT_DENY
    # a role session has no aws:username: the element matches nothing rather than "/home//"
    assert evaluate([own], "ssm:GetParameter", "arn:aws:ssm:r:1:parameter/home//x").result == IMPLICIT_DENY
    tagged = {"Statement": [{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*",
                             "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}}]}
    assert evaluate([tagged], "sagemaker:StopNotebookInstance", context={**ana, "aws:ResourceTag/owner": "ana"}).allowed
    assert not evaluate([tagged], "sagemaker:StopNotebookInstance", context={**ana, "aws:ResourceTag/owner": "bob"}).allowed


def test_escaped_and_defaulted_variables() -> None:
    literal = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${*}"}]}
    assert evaluate([literal], "s3:GetObject", "arn:aws:s3:::b/*").allowed
    assert evaluate([literal], "s3:GetObject", "arn:aws:s3:::b/x").result == IMPLICIT_DENY
    defaulted = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*"}]}
    assert evaluate([defaulted], "s3:GetObject", "arn:aws:s3:::b/shared/x").allowed
    assert evaluate([defaulted], "s3:GetObject", "arn:aws:s3:::b/ml/x", {"aws:PrincipalTag/team": "ml"}).allowed


# -- identity, boundary and resource policies together -------------------------------------------------------------
BUCKET = "arn:aws:s3:::data/x"
ANA = "arn:aws:iam::111111111111:user/ana"
ALLOW_GET = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def _bucket(effect: str, principal: object) -> dict:
    return {"Statement": [{"Sid": "B", "Effect": effect, "Principal": principal, "Action": "s3:GetObject", "Resource": BUCKET}]}


def test_within_an_account_either_side_may_allow_and_either_may_deny() -> None:
    assert authorize([], "s3:GetObject", BUCKET, resource_policy=_bucket("Allow", {"AWS": ANA}), principal={ANA}).allowed
    assert authorize([ALLOW_GET], "s3:GetObject", BUCKET, resource_policy=None, principal={ANA}).allowed
    denied = authorize([ALLOW_GET], "s3:GetObject", BUCKET, resource_policy=_bucket("Deny", "*"), principal={ANA})
    assert (denied.result, denied.policy) == (EXPLICIT_DENY, "resource")


def test_naming_the_account_in_a_resource_policy_delegates_to_identity_policies() -> None:
    account = _bucket("Allow", {"AWS": "arn:aws:iam::111111111111:root"})
    assert authorize([], "s3:GetObject", BUCKET, resource_policy=account, principal=principal_names(ANA)).result == IMPLICIT_DENY


def test_across_accounts_both_sides_must_allow() -> None:
    bucket = _bucket("Allow", {"AWS": ANA})
    assert not authorize([ALLOW_GET], "s3:GetObject", BUCKET, principal={ANA}, same_account=False).allowed
    assert not authorize([], "s3:GetObject", BUCKET, resource_policy=bucket, principal={ANA}, same_account=False).allowed
    assert authorize([ALLOW_GET], "s3:GetObject", BUCKET, resource_policy=bucket, principal={ANA}, same_account=False).allowed


def test_a_permissions_boundary_caps_what_identity_policies_grant() -> None:
    boundary = {"Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}
    decision = authorize([ALLOW_GET], "s3:GetObject", BUCKET, boundary=boundary)
    assert (decision.result, decision.policy) == (IMPLICIT_DENY, "boundary")
    assert authorize([{"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}],
                     "ssm:GetParameter", boundary=boundary).allowed


def test_a_role_session_is_named_by_its_role_too() -> None:
    session = "arn:aws:sts::111111111111:assumed-role/deployer/build-7"
    assert principal_names(session) == {session, "arn:aws:iam::111111111111:role/deployer"}


def test_ip_address_conditions_and_an_absent_source_address() -> None:
    fence = [ALLOW_SAGEMAKER, _deny({"NotIpAddress": {"aws:SourceIp": ["10.20.0.0/16", "127.0.0.1/32"]}})]
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceIp": "10.20.3.4"}).allowed
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceIp": "127.0.0.1"}).allowed
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceIp": "52.1.2.3"}).result == EXPLICIT_DENY
    # through a VPC endpoint AWS sets no aws:SourceIp: the negated operator matches, the fence denies
    assert evaluate(fence, "sagemaker:CreatePresignedDomainUrl").result == EXPLICIT_DENY
