"""The optional Studio domain deployed on the embedded AWS: domain, profiles, and the URL service on top."""

from __future__ import annotations

import pytest

from embedded_aws import EmbeddedAws, extensions
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.local.state import LocalState
from mlops_runtime.config import PlatformConfig


def _network(aws: EmbeddedAws) -> tuple[str, tuple[str, ...]]:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
                    for i, zone in ((1, "us-east-1a"), (2, "us-east-1b")))
    return vpc, subnets


def test_domain_and_profiles_are_created_and_removed(aws: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> None:
    vpc, subnets = _network(aws)
    config = PlatformConfig(retain_data=False, studio_domain_vpc_id=vpc, studio_domain_subnet_ids=subnets,
                            studio_user_profiles=("ds-alice", "ds-bob"))
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    outputs = deploy_platform(accounts, config, synthesize(config, tmp_path_factory.mktemp("cdk")))[0].outputs
    sm = aws.client("sagemaker")
    domain = sm.describe_domain(DomainId=outputs["StudioDomainId"])
    assert (domain["DomainName"], domain["AppNetworkAccessType"], domain["VpcId"]) == ("mlops-studio", "VpcOnly", vpc)
    profiles = sm.list_user_profiles(DomainIdEquals=outputs["StudioDomainId"])["UserProfiles"]
    assert sorted(p["UserProfileName"] for p in profiles) == ["ds-alice", "ds-bob"]
    url = sm.create_presigned_domain_url(DomainId=outputs["StudioDomainId"], UserProfileName="ds-alice", ExpiresInSeconds=30)
    assert url["AuthorizedUrl"].startswith(f"https://{outputs['StudioDomainId']}.studio.us-east-1.sagemaker.aws/auth?token=")
    aws.client("cloudformation").delete_stack(StackName="mlops-tooling")
    assert sm.list_domains()["Domains"] == []


def test_without_the_extension_the_domain_is_skipped(aws: EmbeddedAws) -> None:
    import json

    with extensions.disabled("cfn-sagemaker-studio"):
        aws.client("cloudformation").create_stack(StackName="d", TemplateBody=json.dumps({"Resources": {"D": {
            "Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "x", "AuthMode": "IAM", "DefaultUserSettings": {}}}}}))
    assert aws.client("sagemaker").list_domains()["Domains"] == []


def test_destroy_reports_the_home_volume_sagemaker_keeps(aws: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> None:
    import json

    from click.testing import CliRunner

    from mlops_platform.cli.main import cli
    from mlops_platform.local.state import save_state

    vpc, subnets = _network(aws)
    config = PlatformConfig(retain_data=False, studio_domain_vpc_id=vpc, studio_domain_subnet_ids=subnets)
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    outputs = deploy_platform(accounts, config, synthesize(config, tmp_path_factory.mktemp("cdk")))[0].outputs
    volume = aws.client("sagemaker").describe_domain(DomainId=outputs["StudioDomainId"])["HomeEfsFileSystemId"]
    interfaces = sorted(t["NetworkInterfaceId"] for t in aws.client("efs").describe_mount_targets(FileSystemId=volume)["MountTargets"])
    assert len(interfaces) == 2
    state_dir = tmp_path_factory.mktemp("state")
    save_state(state_dir, LocalState.from_dict(aws.describe()))
    result = CliRunner().invoke(cli, ["destroy", "--yes", "--output", "json", "--state-dir", str(state_dir)])
    assert result.exit_code == 0, result.stderr
    left = json.loads(result.stdout)["left"]
    studio = [item for item in left if "Studio" in item["why"] or "mount target" in item["why"]]
    assert studio[0]["arn"].endswith(f":file-system/{volume}")
    assert sorted(item["arn"].rsplit("/", 1)[1] for item in studio[1:]) == interfaces
    assert studio[0]["why"] == "the Studio domain's home volume, kept by SageMaker when the domain is deleted"
    assert aws.client("sagemaker").list_domains()["Domains"] == []
