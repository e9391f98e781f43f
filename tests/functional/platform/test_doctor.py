"""mlops doctor on the embedded AWS: gaps AWS would refuse at use time are named; a deployed platform is healthy."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from embedded_aws import EmbeddedAws
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.main import cli
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.deploy.platform_checks import check_platform
from mlops_platform.local.state import LocalState, save_state
from mlops_runtime.config import PlatformConfig

CONFIG = PlatformConfig(retain_data=False)


def test_before_the_platform_is_deployed_doctor_says_what_deploying_sets(aws: EmbeddedAws) -> None:
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    [check] = check_platform(accounts.client, CONFIG)
    assert (check.check, check.ok) == ("platform deployed", False)
    assert check.detail.startswith("mlops-tooling is not deployed: run mlops deploy")


def test_a_deployed_platform_is_healthy_and_a_lost_launch_path_is_named(aws: EmbeddedAws,
                                                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    outputs = deploy_platform(accounts, CONFIG, synthesize(CONFIG, tmp_path_factory.mktemp("cdk")))[0].outputs
    state_dir = tmp_path_factory.mktemp("state")
    save_state(state_dir, LocalState.from_dict(aws.describe()))

    def doctor() -> tuple[int, dict]:
        result = CliRunner().invoke(cli, ["doctor", "--output", "json", "--state-dir", str(state_dir)])
        return result.exit_code, json.loads(result.stdout)

    code, report = doctor()
    assert (code, report["healthy"]) == (0, True), [c for c in report["checks"] if not c["ok"]]
    assert {c["check"] for c in report["checks"]} >= {
        "notebook provisioning launch path", "project launch path (you)", "API Gateway CloudWatch role", "stack-set execution role"}

    machine_role = aws.client("stepfunctions").describe_state_machine(
        stateMachineArn=outputs["NotebookProvisioningStateMachineArn"])["roleArn"]
    aws.client("servicecatalog").disassociate_principal_from_portfolio(PortfolioId=outputs["NotebookPortfolioId"],
                                                                       PrincipalARN=machine_role)
    code, report = doctor()
    [gap] = [c for c in report["checks"] if not c["ok"]]
    assert (code, gap["check"]) == (1, "notebook provisioning launch path")
    assert gap["detail"].startswith(f"{machine_role} has no launch path to portfolio {outputs['NotebookPortfolioId']}")

    aws.client("cloudtrail").stop_logging(Name="mlops-management")  # console launches would never be adopted
    code, report = doctor()
    assert {c["check"]: c["detail"] for c in report["checks"] if not c["ok"]}["trail for console launches"] == (
        "no trail logs management write events in us-east-1: notebooks launched from the Service Catalog console are never "
        "adopted (no URL); deploy with management_trail or start one")


def test_an_existing_sagemaker_launch_role_that_cannot_launch_projects_is_a_gap(aws: EmbeddedAws,
                                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    # the account had SageMaker's launch role before the platform: mlops deploy reuses it (CreateProjectLaunchRole=false)
    iam = aws.client("iam")
    iam.create_role(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole", Path="/service-role/",
                    AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole", PolicyName="stacks-only",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": ["cloudformation:*", "s3:CreateBucket"], "Resource": "*"}]}))
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    deploy_platform(accounts, CONFIG, synthesize(CONFIG, tmp_path_factory.mktemp("cdk")))
    checks = {c.check: c for c in check_platform(accounts.client, CONFIG)}
    gap = checks["project launch role"]
    assert not gap.ok
    assert gap.detail.startswith("the existing AmazonSageMakerServiceCatalogProductsLaunchRole (not the platform's) may not "
                                 "iam:CreateRole, iam:PutRolePolicy, iam:PassRole, codebuild:CreateProject, "
                                 "codepipeline:CreatePipeline, sagemaker:CreateModelPackageGroup, kms:CreateAlias on mlops-* resources")


def test_service_linked_roles_the_studio_domain_needs_exist_or_may_be_created_by_you(aws: EmbeddedAws) -> None:
    from embedded_aws.clients import credentials_client

    config = PlatformConfig(studio_domain=True, network_cidr="10.60.0.0/16")
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    linked = {c.check: c for c in check_platform(accounts.client, config) if c.check.startswith("service-linked role")}
    assert {name: (c.ok, c.detail) for name, c in linked.items()} == {
        "service-linked role AWSServiceRoleForAmazonSageMakerNotebooks": (True, "missing; AWS creates it for the Studio domain (you may iam:CreateServiceLinkedRole)"),
        "service-linked role AWSServiceRoleForAmazonElasticFileSystem": (
            True, "missing; AWS creates it for the Studio domain's home volume (you may iam:CreateServiceLinkedRole)")}
    iam = aws.client("iam")
    iam.create_service_linked_role(AWSServiceName="elasticfilesystem.amazonaws.com")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListRoles", "iam:SimulatePrincipalPolicy", "cloudformation:DescribeStacks"],
         "Resource": "*"}]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]

    def as_reader(service: str, account: str = "tooling") -> object:
        return credentials_client(aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)

    linked = {c.check: c for c in check_platform(as_reader, config) if c.check.startswith("service-linked role")}
    assert {name: (c.ok, c.detail) for name, c in linked.items()} == {
        "service-linked role AWSServiceRoleForAmazonSageMakerNotebooks": (
            False, "missing, and you may not iam:CreateServiceLinkedRole for sagemaker.amazonaws.com: deploying the Studio domain "
                   "would fail; have an administrator create it"),
        "service-linked role AWSServiceRoleForAmazonElasticFileSystem": (True, "exists")}
