"""Intent of the ML network: private subnets in two AZs, no internet, every API through an endpoint, S3 fenced to our accounts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from embedded_aws.iam.evaluator import evaluate
from mlops_infra.constructs.secure_network import INTERFACE_ENDPOINTS
from mlops_runtime.config import PlatformConfig
from support import render, with_parameters


@pytest.fixture(scope="module")
def network(secure_synthesized: dict) -> Template:
    stacks = secure_synthesized
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


ACCOUNTS = {"Fn::Split": [",", {"Fn::Join": [",", [{"Ref": "AWS::AccountId"}, {"Ref": "ToolingAccountId"},
                                                    {"Fn::Join": [",", {"Ref": "StagingAccountIds"}]},
                                                    {"Fn::Join": [",", {"Ref": "ProdAccountIds"}]}]]}]}


def _gateway_policy(network: Template) -> dict[str, Any]:
    [gateway] = [e for e in network.find_resources("AWS::EC2::VPCEndpoint").values() if e["Properties"]["VpcEndpointType"] == "Gateway"]
    return gateway["Properties"]["PolicyDocument"]


def test_the_s3_endpoint_admits_only_the_platform_accounts_buckets_and_image_layers(network: Template) -> None:
    condition, with_units, without_units = _gateway_policy(network)["Fn::If"]
    assert condition == "OrganizationalUnitsGiven"
    statements = {s["Sid"]: s for s in without_units["Statement"]}
    # this account, the tooling account (model artifacts), and every staging and prod account
    assert statements["PlatformAccountsBuckets"]["Condition"] == {"StringEquals": {"aws:ResourceAccount": ACCOUNTS}}
    assert statements["AwsOwnedImageLayers"]["Action"] == "s3:GetObject"
    assert len(statements) == 3 and all(s["Effect"] == "Allow" for s in statements.values())
    assert [s["Sid"] for s in with_units["Statement"]] == [
        "PlatformAccountsBuckets", "PlatformUnitsBuckets", "AwsOwnedImageLayers", "CloudFormationCustomResourceAnswers"]


def test_functions_in_the_private_subnets_can_answer_cloudformation_through_the_s3_endpoint(network: Template) -> None:
    """A custom resource's function (the project seeder) PUTs its answer to CloudFormation's AWS-owned bucket."""
    _, _, without_units = _gateway_policy(network)["Fn::If"]
    policy = render(with_parameters(without_units, {"ToolingAccountId": "123456789012", "StagingAccountIds": "222222222222",
                                                    "ProdAccountIds": "333333333333"}), {})
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "PlatformAccountsBuckets"]  # its Fn::Split is CFN's
    foreign = {"aws:ResourceAccount": "999999999999"}
    answer = "arn:aws:s3:::cloudformation-custom-resource-response-useast1/arn%3Aaws%3Acloudformation/abc"
    assert evaluate([policy], "s3:PutObject", answer, foreign, frozenset()).allowed
    assert not evaluate([policy], "s3:PutObject", "arn:aws:s3:::someone-elses-bucket/k", foreign, frozenset()).allowed
    assert not evaluate([policy], "s3:GetObject", answer, foreign, frozenset()).allowed


def test_with_organizational_units_the_s3_endpoint_also_admits_buckets_of_their_member_accounts(network: Template) -> None:
    given = network.to_json()["Conditions"]["OrganizationalUnitsGiven"]
    assert given == {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", [{"Ref": "StagingOrganizationalUnitId"},
                                                                     {"Ref": "ProdOrganizationalUnitId"}]]}, ""]}]}
    _, with_units, _ = _gateway_policy(network)["Fn::If"]
    units = with_parameters(next(s for s in with_units["Statement"] if s["Sid"] == "PlatformUnitsBuckets"),
                            {"StagingOrganizationalUnitId": "ou-ab12-staging1", "ProdOrganizationalUnitId": ""})
    # a unit anywhere in the bucket owner's organization path; an empty id gives a pattern no path matches
    assert units["Condition"] == {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": ["*/ou-ab12-staging1/*", "*//*"]}}
    assert units["Action"] == "s3:*" and units["Principal"] == {"AWS": "*"}


def test_the_environment_takes_a_name_a_type_and_the_stages_as_account_lists_or_units(network: Template) -> None:
    parameters = network.to_json()["Parameters"]
    assert {name: (p["Type"], p.get("Default")) for name, p in parameters.items()} == {
        "EnvironmentName": ("String", "mlops"), "EnvironmentType": ("String", "tooling"), "ToolingAccountId": ("String", ""),
        "StagingAccountIds": ("CommaDelimitedList", ""), "ProdAccountIds": ("CommaDelimitedList", ""),
        "StagingOrganizationalUnitId": ("String", ""), "ProdOrganizationalUnitId": ("String", "")}
    assert parameters["EnvironmentType"]["AllowedValues"] == ["tooling", "staging", "prod"]
    assert parameters["StagingAccountIds"]["AllowedPattern"] == r"^(\d{12})?$"  # each entry of the list
    assert parameters["ProdOrganizationalUnitId"]["AllowedPattern"] == r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})?$"
    # the name makes every physical name and export of the environment
    named = with_parameters(network.to_json(), {"EnvironmentName": "team-a"})
    assert named["Outputs"]["PrivateSubnetIds"]["Export"] == {"Name": "team-a-ml-environment-PrivateSubnetIds"}
    roles = {r["Properties"].get("RoleName") for r in named["Resources"].values() if r["Type"] == "AWS::IAM::Role"}
    assert {"team-a-ds-admin", "team-a-data-scientist", "team-a-data-break-glass"} <= roles
    [vpc] = [r for r in named["Resources"].values() if r["Type"] == "AWS::EC2::VPC"]
    assert {"Key": "Name", "Value": "team-a-ml"} in vpc["Properties"]["Tags"]
    assert {"Key": "ml-environment", "Value": "team-a"} in vpc["Properties"]["Tags"]


def test_the_product_template_is_the_same_environment(network: Template, secure_outdir: Path) -> None:
    [product] = secure_outdir.glob("*MlEnvironmentTemplate*.product.template.json")
    # CDK names subnets and route tables, and the ids of rules between groups, after their construct path
    template = json.loads(product.read_text().replace('"Tooling/MlEnvironmentTemplate/', '"MlEnvironment/'))
    direct = network.to_json()
    for section in ("Parameters", "Conditions"):
        assert template[section] == direct[section], section
    assert template["Outputs"].keys() == direct["Outputs"].keys()
    assert Counter(r["Type"] for r in template["Resources"].values()) == Counter(r["Type"] for r in direct["Resources"].values())
    shared = template["Resources"].keys() & direct["Resources"].keys()
    assert len(shared) > 50
    assert all(template["Resources"][r] == direct["Resources"][r] for r in shared)


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
