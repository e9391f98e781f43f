"""Intent of the ML network: private subnets in two AZs, no internet, every API through an endpoint, S3 fenced to our accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from mlops_infra.config import PlatformConfig
from mlops_infra.constructs.secure_network import INTERFACE_ENDPOINTS
from mlops_infra.synth import synthesize


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Template:
    stacks = synthesize(PlatformConfig(network_cidr="10.60.0.0/16"), tmp_path_factory.mktemp("cdk"))
    return Template.from_json(stacks["mlops-ml-environment"].template)


def _service(endpoint: dict[str, Any]) -> str:
    prefix, _, suffix = endpoint["Properties"]["ServiceName"]["Fn::Join"][1]
    return f"{prefix}<region>{suffix}"


def test_without_a_cidr_there_is_no_network_stack(synthesized: dict) -> None:
    assert "mlops-ml-environment" not in synthesized


def test_two_private_subnets_in_two_zones_and_no_way_to_the_internet(network: Template) -> None:
    subnets = network.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == 2
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets.values())
    zones = [json.dumps(s["Properties"]["AvailabilityZone"]) for s in subnets.values()]
    assert len(set(zones)) == 2
    for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::Route"):
        assert network.find_resources(kind) == {}, kind
    network.has_resource_properties("AWS::EC2::FlowLog", {"ResourceType": "VPC", "TrafficType": "ALL"})


def test_every_api_the_platform_calls_has_a_private_interface_endpoint(network: Template) -> None:
    endpoints = network.find_resources("AWS::EC2::VPCEndpoint")
    interface = {_service(e) for e in endpoints.values() if e["Properties"]["VpcEndpointType"] == "Interface"}
    assert interface == {f"com.amazonaws.<region>.{name}" for name in INTERFACE_ENDPOINTS} | {
        "aws.sagemaker.<region>.notebook", "aws.sagemaker.<region>.studio"}
    assert {"com.amazonaws.<region>.sagemaker.api", "com.amazonaws.<region>.sagemaker.runtime", "com.amazonaws.<region>.sts",
            "com.amazonaws.<region>.ssm", "com.amazonaws.<region>.logs", "com.amazonaws.<region>.monitoring",
            "com.amazonaws.<region>.ecr.api", "com.amazonaws.<region>.ecr.dkr", "com.amazonaws.<region>.kms",
            "com.amazonaws.<region>.servicecatalog", "com.amazonaws.<region>.codepipeline",
            "com.amazonaws.<region>.codebuild"} <= interface
    assert all(e["Properties"]["PrivateDnsEnabled"] for e in endpoints.values() if e["Properties"]["VpcEndpointType"] == "Interface")


def test_the_s3_endpoint_admits_only_the_platform_accounts_buckets_and_image_layers(network: Template) -> None:
    [gateway] = [e for e in network.find_resources("AWS::EC2::VPCEndpoint").values() if e["Properties"]["VpcEndpointType"] == "Gateway"]
    statements = {s["Sid"]: s for s in gateway["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["PlatformAccountsBuckets"]["Condition"] == {"StringEquals": {"aws:ResourceAccount": [
        {"Ref": "AWS::AccountId"}, {"Ref": "StagingAccountId"}, {"Ref": "ProdAccountId"}]}}
    assert statements["AwsOwnedImageLayers"]["Action"] == "s3:GetObject"
    assert len(statements) == 2 and all(s["Effect"] == "Allow" for s in statements.values())


def test_security_groups_admit_nothing_from_outside_and_endpoints_only_https_from_ml_groups(network: Template) -> None:
    groups = network.find_resources("AWS::EC2::SecurityGroup")
    endpoint_group = next(k for k, g in groups.items() if "interface endpoints" in g["Properties"]["GroupDescription"])
    for group in groups.values():
        assert not group["Properties"].get("SecurityGroupIngress"), "no inline (CIDR) ingress"
    ingress = network.find_resources("AWS::EC2::SecurityGroupIngress")
    to_endpoints = [r["Properties"] for r in ingress.values() if r["Properties"]["GroupId"] == {"Fn::GetAtt": [endpoint_group, "GroupId"]}]
    assert sorted((r["FromPort"], r["ToPort"]) for r in to_endpoints) == [(443, 443), (443, 443)]
    assert all("CidrIp" not in r["Properties"] for r in ingress.values())


@pytest.mark.parametrize(("cidr", "message"), [("10.0.0.0/8", "size /16 to /20"), ("8.8.0.0/16", "private IPv4"), ("nope", "IPv4 CIDR block")])
def test_a_bad_cidr_is_refused(cidr: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PlatformConfig(network_cidr=cidr)
