"""The optional Studio domain deployed on the embedded AWS: domain, profiles, and the URL service on top."""

from __future__ import annotations

import pytest

from embedded_aws import EmbeddedAws, extensions
from mlops_infra.config import PlatformConfig
from mlops_infra.synth import synthesize
from mlops_platform.aws.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.local.state import LocalState


def _network(aws: EmbeddedAws) -> tuple[str, tuple[str, ...]]:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = tuple(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2))
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
