"""The preventive controls, as IAM evaluates them: SageMaker work without VPC or KMS keys is denied to any persona."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from embedded_aws.iam.evaluator import EXPLICIT_DENY, evaluate
from mlops_infra.constructs.ml_guardrails import MlGuardrails

SCIENTIST = {"Statement": [{"Sid": "Work", "Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}]}
COMPLIANT = {"sagemaker:VpcSubnets": ["subnet-1"], "sagemaker:VpcSecurityGroupIds": ["sg-1"],
             "sagemaker:VolumeKmsKey": "arn:aws:kms:us-east-1:123456789012:key/k", "sagemaker:OutputKmsKey": "arn:aws:kms:us-east-1:123456789012:key/k"}


def _policy(endpoints: tuple[str, ...] = ()) -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Probe")
    MlGuardrails(stack, "Guardrails", project="mlops", url_vpc_endpoint_ids=endpoints)
    [policy] = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["ManagedPolicyName"] == "mlops-ml-guardrails"
    return policy["Properties"]["PolicyDocument"]


@pytest.mark.parametrize(("missing", "denied_by"), [
    ("sagemaker:VpcSubnets", "DenyWithoutVpc"), ("sagemaker:VolumeKmsKey", "DenyWithoutVolumeKey"),
    ("sagemaker:OutputKmsKey", "DenyWithoutOutputKey")])
def test_a_training_job_missing_vpc_or_a_key_is_denied(missing: str, denied_by: str) -> None:
    context = {k: v for k, v in COMPLIANT.items() if k != missing}
    decision = evaluate([SCIENTIST, _policy()], "sagemaker:CreateTrainingJob", context=context)
    assert (decision.result, decision.statement) == (EXPLICIT_DENY, denied_by)


def test_a_compliant_training_job_is_allowed() -> None:
    assert evaluate([SCIENTIST, _policy()], "sagemaker:CreateTrainingJob", context=COMPLIANT).allowed


def test_models_and_notebooks_need_a_vpc_and_notebooks_no_internet_or_root() -> None:
    policies = [SCIENTIST, _policy()]
    assert evaluate(policies, "sagemaker:CreateModel").statement == "DenyWithoutVpc"
    assert evaluate(policies, "sagemaker:CreateModel", context={"sagemaker:VpcSubnets": ["subnet-1"]}).allowed
    notebook = {"sagemaker:VpcSubnets": ["subnet-1"], "sagemaker:VolumeKmsKey": "k", "sagemaker:RootAccess": "Disabled",
                "sagemaker:DirectInternetAccess": "Disabled"}
    assert evaluate(policies, "sagemaker:CreateNotebookInstance", context=notebook).allowed
    assert evaluate(policies, "sagemaker:CreateNotebookInstance",
                    context={**notebook, "sagemaker:DirectInternetAccess": "Enabled"}).statement == "DenyInternetFacingNotebooks"
    assert evaluate(policies, "sagemaker:CreateNotebookInstance",
                    context={**notebook, "sagemaker:RootAccess": "Enabled"}).statement == "DenyRootOnNotebooks"


def test_presigned_urls_only_through_the_allowed_endpoints() -> None:
    policies = [SCIENTIST, _policy(("vpce-0studio",))]
    assert evaluate(policies, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceVpce": "vpce-0studio"}).allowed
    assert evaluate(policies, "sagemaker:CreatePresignedDomainUrl", context={"aws:SourceVpce": "vpce-other"}).statement == \
        "DenyUrlsOutsideEndpoints"
    assert evaluate(policies, "sagemaker:CreatePresignedNotebookInstanceUrl").statement == "DenyUrlsOutsideEndpoints"
    assert evaluate([SCIENTIST, _policy()], "sagemaker:CreatePresignedDomainUrl").allowed  # no endpoints given: no fence


def test_every_statement_is_a_deny_with_its_condition_key() -> None:
    statements = _policy(("vpce-0studio",))["Statement"]
    keys = {s["Sid"]: next(iter(next(iter(s["Condition"].values())))) for s in statements}
    assert all(s["Effect"] == "Deny" for s in statements)
    assert keys == {"DenyWithoutVpc": "sagemaker:VpcSubnets", "DenyWithoutVolumeKey": "sagemaker:VolumeKmsKey",
                    "DenyWithoutOutputKey": "sagemaker:OutputKmsKey", "DenyInternetFacingNotebooks": "sagemaker:DirectInternetAccess",
                    "DenyRootOnNotebooks": "sagemaker:RootAccess", "DenyUrlsOutsideEndpoints": "aws:SourceVpce"}
