"""The offline IAM evaluator: explicit Deny beats Allow, conditions as IAM reads them, unknown operators refused."""

from __future__ import annotations

import pytest

from mlops_platform.security.policy import EXPLICIT_DENY, IMPLICIT_DENY, UnsupportedCondition, evaluate

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
