"""The optional secure ML environment (network, data stores, personas) deployed into the embedded AWS with the platform, and removed
with it; more environments launched by a data-science admin from the platform's Service Catalog product."""

from __future__ import annotations

import json
from typing import Any

import pytest

from embedded_aws import EmbeddedAws
from embedded_aws.clients import credentials_client
from mlops_infra.constructs.secure_network import INTERFACE_ENDPOINTS
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform, destroy_platform
from mlops_platform.deploy.platform_checks import check_platform
from mlops_platform.local.state import LocalState
from mlops_runtime.config import PlatformConfig
from support import wait_for


def test_the_environment_lands_first_in_all_three_accounts_and_goes_last(aws: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> None:
    config = PlatformConfig(retain_data=False, network_cidr="10.60.0.0/16", studio_domain=True, studio_user_profiles=("ds-alice",))
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    deployed = deploy_platform(accounts, config, synthesize(config, tmp_path_factory.mktemp("cdk")), through_execution_role=True)
    assert [(d.stack_name, d.account) for d in deployed][:3] == [
        ("mlops-ml-environment", "tooling"), ("mlops-ml-environment", "staging"), ("mlops-ml-environment", "prod")]
    for environment in deployed[:3]:
        _assert_environment(aws, environment.account, environment.account_id, environment.outputs)
    # as the platform admin must: every platform stack through the environment's execution role (the environments,
    # created before that role existed, as the caller)
    for stack in deployed:
        [described] = aws.client("cloudformation", stack.account).describe_stacks(StackName=stack.stack_name)["Stacks"]
        expected = None if stack.stack_name == "mlops-ml-environment" else f"arn:aws:iam::{stack.account_id}:role/mlops-cloudformation-execution"
        assert described.get("RoleARN") == expected, (stack.stack_name, stack.account)
    # the platform's functions in tooling run in that account's private subnets (imported from the environment)
    placed = aws.client("lambda").get_function_configuration(FunctionName="mlops-project-seed")["VpcConfig"]
    assert sorted(placed["SubnetIds"]) == sorted(deployed[0].outputs["PrivateSubnetIds"].split(","))
    assert placed["SecurityGroupIds"] == [deployed[0].outputs["WorkloadSecurityGroupId"]]
    # there they reach AWS only through the environment's endpoints: the request validation asks no IAM (which has
    # none; the state machine asks it), so it answers instead of timing out
    answer = aws.client("lambda").invoke(FunctionName="mlops-notebook-validate", Payload=json.dumps({"user": "ana", "request_id": "r-1"}))
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert json.loads(answer["Payload"].read())["notebook_name"] == "ana-Notebook"
    _doctor_sees_every_function_reach_what_it_calls_until_the_endpoints_close(aws, accounts, config, deployed[0].outputs)
    # the Studio domain too: VPC-only in the environment's VPC and private subnets, with its Studio group
    domain = aws.client("sagemaker").describe_domain(DomainId=deployed[3].outputs["StudioDomainId"])
    assert (domain["VpcId"], domain["AppNetworkAccessType"]) == (deployed[0].outputs["VpcId"], "VpcOnly")
    assert sorted(domain["SubnetIds"]) == sorted(deployed[0].outputs["PrivateSubnetIds"].split(","))
    assert domain["DefaultUserSettings"]["SecurityGroups"] == [deployed[0].outputs["StudioSecurityGroupId"]]
    _a_ds_admin_launches_and_terminates_a_team_environment(aws, deployed[3].outputs)
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


def _doctor_sees_every_function_reach_what_it_calls_until_the_endpoints_close(
        aws: EmbeddedAws, accounts: LocalAccounts, config: PlatformConfig, environment: dict[str, str]) -> None:
    reach = {c.check: c for c in check_platform(accounts.client, config) if c.check.startswith("network reach of ")}
    assert len(reach) == 7 and all(c.ok for c in reach.values()), [c.detail for c in reach.values() if not c.ok]
    assert reach["network reach of mlops-notebook-progress"].detail == (
        "reaches sagemaker.api, servicecatalog through the VPC's endpoints")
    ec2 = aws.client("ec2")
    [endpoints] = [g["GroupId"] for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [environment["VpcId"]]}])["SecurityGroups"]
                   if "NetworkEndpoints" in g["GroupName"]]
    https = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": environment["WorkloadSecurityGroupId"]}]}]
    ec2.revoke_security_group_ingress(GroupId=endpoints, IpPermissions=https)
    try:
        gap = {c.check: c for c in check_platform(accounts.client, config)}["network reach of mlops-notebook-progress"]
        assert (gap.ok, gap.detail) == (False, f"mlops-notebook-progress may call sagemaker.api, servicecatalog but its "
                                               f"subnets in {environment['VpcId']} have no endpoint for them that admits its "
                                               "security groups, and no NAT route: those calls time out")
    finally:
        ec2.authorize_security_group_ingress(GroupId=endpoints, IpPermissions=https)


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


def _a_ds_admin_launches_and_terminates_a_team_environment(aws: EmbeddedAws, tooling: dict[str, str]) -> None:
    """The DS admin persona (with MFA) provisions the environment product under another name; a bad name creates nothing."""
    creds = aws.client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/mlops-ds-admin", RoleSessionName="dsa",
                                          SerialNumber="arn:aws:iam::123456789012:mfa/dsa", TokenCode="123456")["Credentials"]
    catalog = credentials_client(aws.endpoint_url, "servicecatalog", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    principals = aws.client("servicecatalog").list_principals_for_portfolio(PortfolioId=tooling["EnvironmentPortfolioId"])["Principals"]
    assert [p["PrincipalARN"] for p in principals] == ["arn:aws:iam::123456789012:role/mlops-ds-admin"]
    parameters = {"EnvironmentName": "team-a", "EnvironmentType": "tooling", "StagingAccountIds": "222222222222",
                  "ProdAccountIds": "333333333333"}

    def provision(name: str, values: dict[str, str]) -> dict:
        record = catalog.provision_product(
            ProductId=tooling["EnvironmentProductId"], ProvisioningArtifactName="v1", ProvisionedProductName=name,
            ProvisioningParameters=[{"Key": k, "Value": v} for k, v in values.items()])["RecordDetail"]
        return _settled(catalog, record["RecordId"])

    refused = provision("bad-environment", {**parameters, "EnvironmentName": "Team A"})
    assert refused["RecordDetail"]["Status"] == "FAILED"
    assert "Parameter 'EnvironmentName' must match pattern" in refused["RecordDetail"]["RecordErrors"][0]["Description"]
    ec2, iam, cfn = aws.client("ec2"), aws.client("iam"), aws.client("cloudformation")
    assert len(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["*-ml"]}])["Vpcs"]) == 1  # the platform's own only

    launched = provision("team-a-environment", parameters)
    assert launched["RecordDetail"]["Status"] == "SUCCEEDED", launched["RecordDetail"]["RecordErrors"]
    assert launched["RecordDetail"]["LaunchRoleArn"] == "arn:aws:iam::123456789012:role/mlops-environment-launch"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in launched["RecordOutputs"]}
    [vpc] = ec2.describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"]
    assert {"Key": "Name", "Value": "team-a-ml"} in vpc["Tags"] and {"Key": "ml-environment", "Value": "team-a"} in vpc["Tags"]
    assert outputs["DataScientistRoleArn"] == "arn:aws:iam::123456789012:role/team-a-data-scientist"
    attached = iam.list_attached_role_policies(RoleName="team-a-data-scientist")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["team-a-ml-guardrails"]
    assert outputs["MlDataBucketName"] == "team-a-ml-data-123456789012-us-east-1"
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports["team-a-ml-environment-PrivateSubnetIds"] == outputs["PrivateSubnetIds"]
    assert exports["mlops-ml-environment-PrivateSubnetIds"] != outputs["PrivateSubnetIds"]  # the platform's stays its own

    terminated = catalog.terminate_provisioned_product(ProvisionedProductName="team-a-environment")["RecordDetail"]
    assert _settled(catalog, terminated["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])["Vpcs"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("team-a-")] == []


def _settled(catalog: Any, record_id: str) -> dict:
    return wait_for(lambda: (r := catalog.describe_record(Id=record_id))["RecordDetail"]["Status"] in ("SUCCEEDED", "FAILED") and r,
                    timeout=120)
