"""CloudFormation creates IAM groups (moto 5.2.5 skips ``AWS::IAM::Group``).

Without it, any ``AWS::IAM::Policy`` attached to the group fails the stack with ``Group None not found``.
Once such a group-only policy exists, moto 5.2.5 also fails every later CloudFormation role deletion in
the account (it walks each policy's ``Roles``, which is ``None`` there): the policy's missing lists are
read as empty, as CloudFormation treats them. And a role's inline ``Policies`` from a template are stored
as JSON, so GetRolePolicy answers a policy document (moto keeps the Python dict and answers its repr).
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import Role, iam_backends

from embedded_aws.extensions.base import Patcher
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

    def install(self, patcher: Patcher) -> None:
        super().install(patcher)
        original = Role.delete_from_cloudformation_json.__func__

        def delete_from_cloudformation_json(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
                                            region_name: str) -> None:
            for backend in iam_backends[account_id].values():
                for policy in backend.inline_policies.values():
                    for attribute in ("role_names", "group_names", "user_names"):
                        if getattr(policy, attribute, None) is None:
                            setattr(policy, attribute, [])
            original(cls, resource_name, cloudformation_json, account_id, region_name)

        patcher.replace(Role, "delete_from_cloudformation_json", classmethod(delete_from_cloudformation_json))
        original_put = Role.put_policy

        def put_policy(self: Role, policy_name: str, policy_json: Any) -> None:
            original_put(self, policy_name, policy_json if isinstance(policy_json, str) else json.dumps(policy_json))

        patcher.replace(Role, "put_policy", put_policy)
