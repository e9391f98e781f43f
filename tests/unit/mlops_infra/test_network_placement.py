"""Inside the secure ML environment the platform's functions and pipeline jobs run in its private subnets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from mlops_infra.synth import SHIPPED_NETWORK_CIDR, synthesize
from mlops_runtime.config import PlatformConfig
from support import environment_template

SPLIT = {"Fn::Split": [",", {"Fn::ImportValue": "mlops-ml-environment-PrivateSubnetIds"}]}
SUBNETS = [{"Fn::Select": [index, SPLIT]} for index in (0, 1)]  # one private subnet per availability zone
GROUP = {"Fn::ImportValue": "mlops-ml-environment-WorkloadSecurityGroupId"}


@pytest.fixture(scope="module")
def stacks(secure_synthesized: dict) -> dict[str, Template]:
    synthesized = secure_synthesized
    return {name: Template.from_json(stack.template) for name, stack in synthesized.items()}


def test_the_environment_exports_its_subnets_and_workload_group(stacks: dict[str, Template]) -> None:
    outputs = environment_template(stacks["mlops-ml-environment"].to_json())["Outputs"]
    assert outputs["PrivateSubnetIds"]["Export"] == {"Name": "mlops-ml-environment-PrivateSubnetIds"}
    assert outputs["WorkloadSecurityGroupId"]["Export"] == {"Name": "mlops-ml-environment-WorkloadSecurityGroupId"}
    assert outputs["VpcId"]["Export"] == {"Name": "mlops-ml-environment-VpcId"}


def test_every_platform_function_runs_in_the_private_subnets(stacks: dict[str, Template]) -> None:
    tooling = stacks["mlops-tooling"]
    functions = tooling.find_resources("AWS::Lambda::Function")
    assert len(functions) >= 5
    for logical_id, function in functions.items():
        assert function["Properties"]["VpcConfig"] == {"SubnetIds": SUBNETS, "SecurityGroupIds": [GROUP]}, logical_id
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [s for p in tooling.find_resources("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"].get("Roles", [])
                      for s in p["Properties"]["PolicyDocument"]["Statement"]]
        [eni] = [s for s in statements if s.get("Sid") == "NetworkInterfaces"]
        assert "ec2:CreateNetworkInterface" in eni["Action"] and eni["Resource"] == "*", logical_id


def test_the_model_build_gives_its_pipeline_jobs_the_network(stacks: dict[str, Template]) -> None:
    [build] = [p for p in stacks["mlops-tooling"].find_resources("AWS::CodeBuild::Project").values()
               if p["Properties"]["Name"] == "mlops-modelbuild"]
    variables = {v["Name"]: v["Value"] for v in build["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["SUBNETS_JSON"] == {"Fn::Join": ["", ['["', {"Fn::Join": ['","', SUBNETS]}, '"]']]}
    assert variables["SECURITY_GROUPS_JSON"] == {"Fn::Join": ["", ['["', GROUP, '"]']]}


def test_without_the_environment_nothing_is_placed(synthesized: dict) -> None:
    tooling = json.loads(synthesized["mlops-tooling"].template_file.read_text())
    assert not any("VpcConfig" in r["Properties"] for r in tooling["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert "ImportValue" not in json.dumps(tooling)


def test_notebooks_are_launched_into_the_first_private_subnet_with_the_studio_group(stacks: dict[str, Template]) -> None:
    settings = {p["Properties"]["Name"]: p["Properties"]["Value"]
                for p in stacks["mlops-tooling"].find_resources("AWS::SSM::Parameter").values()}
    assert settings["/mlops/notebook-product/SubnetId"] == SUBNETS[0]
    assert settings["/mlops/notebook-product/SecurityGroupIds"] == {"Fn::ImportValue": "mlops-ml-environment-StudioSecurityGroupId"}


def test_a_studio_domain_lives_in_the_environment_with_the_studio_group(tmp_path: Path) -> None:
    config = PlatformConfig(network_cidr=SHIPPED_NETWORK_CIDR, studio_domain=True, studio_user_profiles=("ds-alice",))
    tooling = Template.from_json(synthesize(config, tmp_path)["mlops-tooling"].template)
    [domain] = tooling.find_resources("AWS::SageMaker::Domain").values()
    properties = domain["Properties"]
    assert properties["VpcId"] == {"Fn::ImportValue": "mlops-ml-environment-VpcId"}
    assert properties["SubnetIds"] == SUBNETS and properties["AppNetworkAccessType"] == "VpcOnly"
    assert properties["DefaultUserSettings"]["SecurityGroups"] == [{"Fn::ImportValue": "mlops-ml-environment-StudioSecurityGroupId"}]
    assert tooling.find_resources("AWS::EC2::SecurityGroup") == {}  # the environment's group, not one of its own


def test_the_studio_token_authorizer_alone_runs_outside_the_private_subnets(tmp_path: Path) -> None:
    """It must fetch the issuer's keys from the internet (no NAT in the environment); the URL function stays inside."""
    config = PlatformConfig(network_cidr=SHIPPED_NETWORK_CIDR, studio_token_issuer="https://login.example.com",
                            studio_token_audience="studio-app", studio_api_vpc_endpoint_ids=("vpce-0a1b2c3d4e5f60789",),
                            studio_allowed_cidrs=("10.20.0.0/16",))
    tooling = Template.from_json(synthesize(config, tmp_path)["mlops-tooling"].template)
    placed = {f["Properties"]["FunctionName"]: "VpcConfig" in f["Properties"] for f in tooling.find_resources("AWS::Lambda::Function").values()}
    assert placed["mlops-studio-authorizer"] is False
    assert placed["mlops-studio-url-api"] is True
    assert sum(placed.values()) == len(placed) - 1
