"""Extension cfn-ec2-network: a private network's endpoints, route tables and egress rules live and die with their stack."""

from __future__ import annotations

import json
from typing import Any

from embedded_aws import EmbeddedAws, extensions
from support import stack_outcome

NETWORK: dict[str, Any] = {"Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.70.0.0/16"}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.70.1.0/24"}},
    "Routes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    "Association": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
        "SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Routes"}}},
    "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "jobs", "VpcId": {"Ref": "Vpc"}}},
    "Https": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
        "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "CidrIp": "0.0.0.0/0", "Description": "endpoints"}},
    "S3": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.us-east-1.s3", "VpcEndpointType": "Gateway",
        "RouteTableIds": [{"Ref": "Routes"}], "PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}}},
    "Sts": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
        "VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.us-east-1.sts", "VpcEndpointType": "Interface",
        "SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}], "PrivateDnsEnabled": True}},
}, "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}, "Group": {"Value": {"Fn::GetAtt": ["Group", "GroupId"]}},
                "Subnet": {"Value": {"Ref": "Subnet"}}, "Routes": {"Value": {"Ref": "Routes"}}}}


def _subnet_table(ec2: Any, subnet_id: str) -> list[str]:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["RouteTables"]
    return [table["RouteTableId"] for table in tables]


def _outputs(aws: EmbeddedAws) -> dict[str, str]:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="net", TemplateBody=json.dumps(NETWORK))
    stack = cfn.describe_stacks(StackName="net")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_the_stack_creates_the_egress_rule_and_endpoints_and_deletes_everything(aws: EmbeddedAws) -> None:
    outputs = _outputs(aws)
    ec2 = aws.client("ec2")
    [group] = ec2.describe_security_groups(GroupIds=[outputs["Group"]])["SecurityGroups"]
    assert {(p.get("FromPort"), p["IpRanges"][0]["CidrIp"]) for p in group["IpPermissionsEgress"] if p.get("FromPort")} == {(443, "0.0.0.0/0")}
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [outputs["Vpc"]]}])["VpcEndpoints"]
    assert sorted(e["VpcEndpointType"] for e in endpoints) == ["Gateway", "Interface"]
    gateway = next(e for e in endpoints if e["VpcEndpointType"] == "Gateway")
    assert json.loads(gateway["PolicyDocument"])["Statement"][0]["Action"] == "s3:GetObject"
    assert _subnet_table(ec2, outputs["Subnet"]) == [outputs["Routes"]]  # the subnet routes by its table (to the S3 endpoint)
    aws.client("cloudformation").delete_stack(StackName="net")
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [outputs["Vpc"]]}])["Vpcs"] == []
    assert {e["State"].lower() for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]} <= {"deleted"}


def test_without_the_extension_the_egress_rule_is_missing_and_the_stack_cannot_be_deleted(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-ec2-network"):
        outputs = _outputs(aws)
        ec2 = aws.client("ec2")
        [group] = ec2.describe_security_groups(GroupIds=[outputs["Group"]])["SecurityGroups"]
        assert not [p for p in group["IpPermissionsEgress"] if p.get("FromPort") == 443]
        assert _subnet_table(ec2, outputs["Subnet"]) == []  # recorded, never applied: the subnet keeps the main table
        aws.client("cloudformation").delete_stack(StackName="net")
        status, failed = stack_outcome(aws.client("cloudformation"), "net")
    assert status == "DELETE_FAILED" and any("has dependencies" in reason for _, reason in failed), failed
