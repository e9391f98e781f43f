"""CloudFormation creates IAM groups (moto 5.2.5 skips ``AWS::IAM::Group``).

Without it, any ``AWS::IAM::Policy`` attached to the group fails the stack with ``Group None not found``.
"""

from __future__ import annotations

import json
from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension


class Group(ApiResource):
    TYPE = "AWS::IAM::Group"
    SERVICE = "iam"
    NAME_PROPERTY = "GroupName"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = client.create_group(GroupName=name, Path=properties.get("Path", "/"))["Group"]
        for arn in properties.get("ManagedPolicyArns") or []:
            client.attach_group_policy(GroupName=name, PolicyArn=arn)
        for policy in properties.get("Policies") or []:
            document = policy["PolicyDocument"]
            client.put_group_policy(GroupName=name, PolicyName=policy["PolicyName"],
                                    PolicyDocument=document if isinstance(document, str) else json.dumps(document))
        return name, {"Arn": group["Arn"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        for user in client.get_group(GroupName=physical_id)["Users"]:
            client.remove_user_from_group(GroupName=physical_id, UserName=user["UserName"])
        for name in client.list_group_policies(GroupName=physical_id)["PolicyNames"]:
            client.delete_group_policy(GroupName=physical_id, PolicyName=name)
        for attached in client.list_attached_group_policies(GroupName=physical_id)["AttachedPolicies"]:
            client.detach_group_policy(GroupName=physical_id, PolicyArn=attached["PolicyArn"])
        client.delete_group(GroupName=physical_id)


class IamGroupResource(ResourceTypesExtension):
    name = "cfn-iam-group"
    summary = "AWS::IAM::Group is created (with inline and managed policies) so policies can attach to it"
    resource_types = (Group,)
