"""CloudFormation manages a private network's VPC endpoints, route tables and egress rules for their whole life.

moto 5.2.5 creates ``AWS::EC2::VPCEndpoint`` and ``AWS::EC2::RouteTable`` but never deletes them (a stack
holding them cannot be deleted: their interfaces, routes and tables keep the VPC busy), and skips
``AWS::EC2::SecurityGroupEgress`` (the rule silently does not exist); ``AWS::EC2::SubnetRouteTableAssociation``
is recorded but never applied (the subnet keeps the VPC's main table, so its routes, such as a gateway endpoint's
or a NAT's, do not apply to it). Here all four are created and deleted through the EC2 API.
"""

from __future__ import annotations

import json
from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, cfn_tags


class VpcEndpoint(ApiResource):
    TYPE = "AWS::EC2::VPCEndpoint"
    SERVICE = "ec2"
    ATTRIBUTES = ("Id", "CreationTimestamp", "DnsEntries", "NetworkInterfaceIds")

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request: dict[str, Any] = {"VpcId": properties["VpcId"], "ServiceName": properties["ServiceName"],
                                   "VpcEndpointType": properties.get("VpcEndpointType", "Gateway")}
        for key in ("SubnetIds", "SecurityGroupIds", "RouteTableIds", "PrivateDnsEnabled"):
            if key in properties:
                request[key] = properties[key]
        if "PolicyDocument" in properties:
            document = properties["PolicyDocument"]
            request["PolicyDocument"] = document if isinstance(document, str) else json.dumps(document)
        tags = cfn_tags(properties)
        if tags:
            request["TagSpecifications"] = [{"ResourceType": "vpc-endpoint", "Tags": tags}]
        endpoint = client.create_vpc_endpoint(**request)["VpcEndpoint"]
        return endpoint["VpcEndpointId"], {
            "Id": endpoint["VpcEndpointId"], "CreationTimestamp": endpoint["CreationTimestamp"].isoformat(),
            "DnsEntries": [f"{e.get('HostedZoneId', '')}:{e.get('DnsName', '')}" for e in endpoint.get("DnsEntries", [])],
            "NetworkInterfaceIds": endpoint.get("NetworkInterfaceIds", [])}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_vpc_endpoints(VpcEndpointIds=[physical_id])


class RouteTable(ApiResource):
    TYPE = "AWS::EC2::RouteTable"
    SERVICE = "ec2"
    ATTRIBUTES = ("RouteTableId",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        tags = cfn_tags(properties)
        extra = {"TagSpecifications": [{"ResourceType": "route-table", "Tags": tags}]} if tags else {}
        table_id = client.create_route_table(VpcId=properties["VpcId"], **extra)["RouteTable"]["RouteTableId"]
        return table_id, {"RouteTableId": table_id}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_route_table(RouteTableId=physical_id)


class SubnetRouteTableAssociation(ApiResource):
    TYPE = "AWS::EC2::SubnetRouteTableAssociation"
    SERVICE = "ec2"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        association = client.associate_route_table(RouteTableId=properties["RouteTableId"], SubnetId=properties["SubnetId"])
        return association["AssociationId"], {"Id": association["AssociationId"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.disassociate_route_table(AssociationId=physical_id)


def _permission(properties: dict[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": str(properties["IpProtocol"])}
    for key in ("FromPort", "ToPort"):
        if key in properties:
            permission[key] = int(properties[key])
    description = {"Description": properties["Description"]} if properties.get("Description") else {}
    if properties.get("CidrIp"):
        permission["IpRanges"] = [{"CidrIp": properties["CidrIp"], **description}]
    elif properties.get("CidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": properties["CidrIpv6"], **description}]
    elif properties.get("DestinationSecurityGroupId"):
        permission["UserIdGroupPairs"] = [{"GroupId": properties["DestinationSecurityGroupId"], **description}]
    elif properties.get("DestinationPrefixListId"):
        permission["PrefixListIds"] = [{"PrefixListId": properties["DestinationPrefixListId"], **description}]
    return permission


class SecurityGroupEgress(ApiResource):
    TYPE = "AWS::EC2::SecurityGroupEgress"
    SERVICE = "ec2"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        answer = client.authorize_security_group_egress(GroupId=properties["GroupId"], IpPermissions=[_permission(properties)])
        rule_id = answer["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        return rule_id, {"Id": rule_id}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.revoke_security_group_egress(GroupId=properties["GroupId"], IpPermissions=[_permission(properties)])


class Ec2NetworkResources(ResourceTypesExtension):
    name = "cfn-ec2-network"
    summary = ("AWS::EC2::VPCEndpoint and RouteTable are deleted with their stack, AWS::EC2::SecurityGroupEgress "
               "exists (moto skips it) and SubnetRouteTableAssociation applies (moto only records it)")
    resource_types = (VpcEndpoint, RouteTable, SecurityGroupEgress, SubnetRouteTableAssociation)
