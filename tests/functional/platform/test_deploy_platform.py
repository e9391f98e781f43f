"""The platform's stacks deployed into the embedded AWS through the same code path as real AWS."""

from __future__ import annotations

import json

import pytest

from embedded_aws import EmbeddedAws
from mlops_infra.synth import SynthesizedStack, synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform, destroy_platform, list_stacks
from mlops_platform.local.state import LocalState
from mlops_runtime.config import PlatformConfig

CONFIG = PlatformConfig(retain_data=False)


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    return synthesize(CONFIG, tmp_path_factory.mktemp("cdk"))


@pytest.fixture
def accounts(aws: EmbeddedAws) -> LocalAccounts:
    return LocalAccounts(LocalState.from_dict(aws.describe()))


def test_platform_lands_in_all_three_accounts(aws: EmbeddedAws, accounts: LocalAccounts, stacks: dict) -> None:
    steps: list[str] = []
    deployed = deploy_platform(accounts, CONFIG, stacks, steps.append)
    assert [(d.stack_name, d.account) for d in deployed] == [
        ("mlops-tooling", "tooling"), ("mlops-target-account", "staging"), ("mlops-target-account", "prod")]
    assert "mlops-tooling: CREATE_COMPLETE" in steps
    tooling = deployed[0].outputs
    assert tooling["ArtifactsBucketName"] == "mlops-artifacts-123456789012-us-east-1"
    # the resources exist, as the services themselves report them
    s3 = aws.client("s3")
    encryption = s3.get_bucket_encryption(Bucket=tooling["ArtifactsBucketName"])["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert aws.client("dynamodb").describe_table(TableName="mlops-environments")["Table"]["TableStatus"] == "ACTIVE"
    for account, account_id in (("staging", "222222222222"), ("prod", "333333333333")):
        role = aws.client("iam", account).get_role(RoleName="mlops-stackset-execution")["Role"]
        principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
        assert principal == "arn:aws:iam::123456789012:role/mlops-stackset-administration"
        assert deployed[1 if account == "staging" else 2].account_id == account_id
    # the template itself was published as an asset
    assets = s3.list_objects_v2(Bucket="mlops-cdk-assets-123456789012-us-east-1")["Contents"]
    assert any(obj["Key"].endswith(".json") for obj in assets)


def test_every_deployed_resource_carries_the_platform_tags(aws: EmbeddedAws, accounts: LocalAccounts, stacks: dict) -> None:
    deploy_platform(accounts, CONFIG, stacks)
    expected = {"owner": "platform-team", "project": "mlops", "environment": "dev"}
    bucket_tags = aws.client("s3").get_bucket_tagging(Bucket="mlops-artifacts-123456789012-us-east-1")["TagSet"]
    assert {t["Key"]: t["Value"] for t in bucket_tags} == expected
    role_tags = aws.client("iam", "prod").get_role(RoleName="mlops-stackset-execution")["Role"]["Tags"]
    assert {t["Key"]: t["Value"] for t in role_tags} == expected
    stack_tags = aws.client("cloudformation").describe_stacks(StackName="mlops-tooling")["Stacks"][0]["Tags"]
    assert {t["Key"]: t["Value"] for t in stack_tags} == expected


def test_redeploy_is_a_no_op_and_destroy_removes_everything(aws: EmbeddedAws, accounts: LocalAccounts, stacks: dict) -> None:
    deploy_platform(accounts, CONFIG, stacks)
    steps: list[str] = []
    deploy_platform(accounts, CONFIG, stacks, steps.append)
    assert steps.count("mlops-target-account: up to date") == 2
    removed = destroy_platform(accounts, CONFIG)
    assert [(s.stack_name, s.account) for s in removed] == [
        ("mlops-target-account", "prod"), ("mlops-target-account", "staging"), ("mlops-tooling", "tooling")]
    assert [r for r in list_stacks(accounts, CONFIG) if r["platform"]] == []
    assert aws.client("iam", "staging").list_roles()["Roles"][0]["RoleName"] == "OrganizationAccountAccessRole"
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_list_stacks_reports_outputs(accounts: LocalAccounts, stacks: dict) -> None:
    deploy_platform(accounts, CONFIG, stacks)
    rows = list_stacks(accounts, CONFIG)
    staging = next(r for r in rows if r["account"] == "staging")
    assert staging["outputs"] == {"StackSetExecutionRoleArn": "arn:aws:iam::222222222222:role/mlops-stackset-execution",
                                  "DeployVerifierRoleArn": "arn:aws:iam::222222222222:role/mlops-deploy-verifier"}
    assert json.dumps(rows)  # serializable for --output json
