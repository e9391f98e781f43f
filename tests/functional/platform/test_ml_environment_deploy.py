"""The optional secure ML environment (network, data stores, personas) deployed into the embedded AWS with the platform, and removed with it."""

from __future__ import annotations

import json

import pytest

from embedded_aws import EmbeddedAws
from mlops_infra.config import PlatformConfig
from mlops_infra.constructs.secure_network import INTERFACE_ENDPOINTS
from mlops_infra.synth import synthesize
from mlops_platform.aws.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform, destroy_platform
from mlops_platform.local.state import LocalState


def test_the_environment_lands_first_in_all_three_accounts_and_goes_last(aws: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> None:
    config = PlatformConfig(retain_data=False, network_cidr="10.60.0.0/16")
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    deployed = deploy_platform(accounts, config, synthesize(config, tmp_path_factory.mktemp("cdk")))
    assert [(d.stack_name, d.account) for d in deployed][:3] == [
        ("mlops-ml-environment", "tooling"), ("mlops-ml-environment", "staging"), ("mlops-ml-environment", "prod")]
    for environment in deployed[:3]:
        _assert_environment(aws, environment.account, environment.account_id, environment.outputs)
    # the platform's functions in tooling run in that account's private subnets (imported from the environment)
    placed = aws.client("lambda").get_function_configuration(FunctionName="mlops-project-seed")["VpcConfig"]
    assert sorted(placed["SubnetIds"]) == sorted(deployed[0].outputs["PrivateSubnetIds"].split(","))
    assert placed["SecurityGroupIds"] == [deployed[0].outputs["WorkloadSecurityGroupId"]]
    removed = destroy_platform(accounts, config)
    assert [(r.stack_name, r.account) for r in removed][-3:] == [
        ("mlops-ml-environment", "prod"), ("mlops-ml-environment", "staging"), ("mlops-ml-environment", "tooling")]
    for environment in deployed[:3]:
        account = environment.account
        assert aws.client("ec2", account).describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [environment.outputs["VpcId"]]}])["Vpcs"] == []
        remaining = {b["Name"] for b in aws.client("s3", account).list_buckets()["Buckets"]}
        assert not {environment.outputs["MlDataBucketName"], environment.outputs["MlModelsBucketName"]} & remaining, account
        iam = aws.client("iam", account)
        assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("mlops-")] == [], account
        assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == [], account


def _assert_environment(aws: EmbeddedAws, account: str, account_id: str, outputs: dict[str, str]) -> None:
    """The network with its endpoints, the fenced stores and the personas wearing the guardrails, in ``account``."""
    ec2 = aws.client("ec2", account)
    [vpc] = ec2.describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"]
    assert vpc["CidrBlock"] == "10.60.0.0/16"
    assert {"Key": "ml-environment-type", "Value": account} in vpc.get("Tags", []), vpc.get("Tags")
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])["VpcEndpoints"]
    assert len(endpoints) == len(INTERFACE_ENDPOINTS) + 3  # + notebook, studio, S3 gateway
    assert len(outputs["PrivateSubnetIds"].split(",")) == 2
    s3 = aws.client("s3", account)
    for kind in ("Data", "Models"):  # the stores are fenced to the S3 gateway endpoint that was just created
        bucket = outputs[f"Ml{kind}BucketName"]
        assert bucket == f"mlops-ml-{kind.lower()}-{account_id}-us-east-1"
        fence = next(s for s in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"] if s.get("Sid") == "DenyOutsideTheNetwork")
        assert fence["Condition"]["StringNotEquals"]["aws:SourceVpce"] in ([outputs["S3EndpointId"]], outputs["S3EndpointId"])
        assert outputs["S3EndpointId"].startswith("vpce-")
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"].split("/")[-1] == outputs[f"Ml{kind}KeyArn"].split("/")[-1]
    iam = aws.client("iam", account)
    for persona in ("platform-admin", "ds-admin", "data-scientist", "analyst", "sagemaker-execution"):
        attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=f"mlops-{persona}")["AttachedPolicies"]]
        assert "mlops-ml-guardrails" in attached, (account, persona)
        assert outputs["".join(p.title() for p in persona.split("-")) + "RoleArn"] == f"arn:aws:iam::{account_id}:role/mlops-{persona}"
