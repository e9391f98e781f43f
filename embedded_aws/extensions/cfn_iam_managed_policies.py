"""Managed policies in templates: a role's ``ManagedPolicyArns`` are attached, and a template's policy is deleted with it.

moto 5.2.5 ignores ``ManagedPolicyArns`` on ``AWS::IAM::Role``: a role that should wear a policy (the
platform's guardrails, an AWS managed policy) exists without it, silently. And it never deletes an
``AWS::IAM::ManagedPolicy`` with its stack: the policy outlives everything. Here the policies are attached
at create, an update attaches what was added and detaches what was removed, and a delete detaches them
first (as CloudFormation does; IAM refuses to delete a role with attached policies). An AWS managed
policy (``arn:<partition>:iam::aws:policy/...``) is made available from moto's bundled copy on first use,
as it exists in every real account, without loading the whole catalogue into every account. Deleting a
template's managed policy detaches it from the roles, groups and users the template lists, then deletes
it; one still attached elsewhere is refused (``DeleteConflict``), as IAM refuses it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, ManagedPolicy, Role, iam_backends
from moto.utilities.utils import get_partition

from embedded_aws.extensions.base import Extension, Patcher


@cache
def _bundled() -> dict[str, Any]:
    return json.loads(aws_managed_policies_data)


def ensure_aws_managed(backend: Any, arn: str) -> None:
    """Make AWS managed policy ``arn`` exist in the account's backend (real accounts all have it)."""
    if arn in backend.managed_policies or ":iam::aws:policy/" not in arn:
        return
    name = arn.rsplit("/", 1)[-1]
    data = _bundled().get(name)
    if data is not None:
        policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
        backend.managed_policies[policy.arn] = policy


def _arns(cloudformation_json: dict[str, Any]) -> list[str]:
    return [str(arn) for arn in (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or []]


def _backend(account_id: str, region_name: str) -> Any:
    return iam_backends[account_id][get_partition(region_name)]


def attach(backend: Any, role_name: str, arns: list[str]) -> None:
    for arn in arns:
        ensure_aws_managed(backend, arn)
        backend.attach_role_policy(policy_arn=arn, role_name=role_name)


def detach_all(backend: Any, role_name: str) -> None:
    role = next((r for r in backend.roles.values() if r.name == role_name), None)
    for arn in list(role.managed_policies) if role is not None else []:
        backend.detach_role_policy(policy_arn=arn, role_name=role_name)


def delete_policy(backend: Any, arn: str, properties: dict[str, Any]) -> None:
    """Detach the policy from the entities the template lists, then delete it (refused while attached elsewhere)."""
    policy = backend.managed_policies.get(arn)
    if policy is None:
        return
    for role in properties.get("Roles") or []:
        if arn in backend.get_role(role).managed_policies:
            backend.detach_role_policy(policy_arn=arn, role_name=role)
    for group in properties.get("Groups") or []:
        backend.detach_group_policy(policy_arn=arn, group_name=group)
    for user in properties.get("Users") or []:
        backend.detach_user_policy(policy_arn=arn, user_name=user)
    # what is attached now (moto's attachment counter also counts a repeated attach of the same entity)
    holders = [e.name for entities in (backend.roles.values(), backend.groups.values(), backend.users.values())
               for e in entities if arn in e.managed_policies]
    if holders:
        raise ValidationError(message=f"DeleteConflict: Cannot delete a policy attached to entities: {arn} ({', '.join(holders)})")
    backend.delete_policy(arn)


class TemplateManagedPolicies(Extension):
    name = "cfn-iam-managed-policies"
    summary = ("A template role's ManagedPolicyArns are attached, synced on update and detached before delete; "
               "a template's managed policy is deleted with its stack")
    requires = ("cfn-iam-group",)  # wraps the delete that extension already patches

    def install(self, patcher: Patcher) -> None:
        create = Role.create_from_cloudformation_json.__func__
        update = Role.update_from_cloudformation_json.__func__
        delete = Role.delete_from_cloudformation_json.__func__

        def create_from_cloudformation_json(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
                                            region_name: str, **kwargs: Any) -> Role:
            role = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
            attach(_backend(account_id, region_name), role.name, _arns(cloudformation_json))
            return role

        def update_from_cloudformation_json(cls: type, original_resource: Role, new_resource_name: str, cloudformation_json: Any,
                                            account_id: str, region_name: str) -> Role:
            role = update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
            backend, wanted = _backend(account_id, region_name), _arns(cloudformation_json)
            for arn in [a for a in role.managed_policies if a not in wanted]:
                backend.detach_role_policy(policy_arn=arn, role_name=role.name)
            attach(backend, role.name, [a for a in wanted if a not in role.managed_policies])
            return role

        def delete_from_cloudformation_json(cls: type, resource_name: str, cloudformation_json: Any, account_id: str,
                                            region_name: str) -> None:
            detach_all(_backend(account_id, region_name), resource_name)
            delete(cls, resource_name, cloudformation_json, account_id, region_name)

        patcher.replace(Role, "create_from_cloudformation_json", classmethod(create_from_cloudformation_json))
        patcher.replace(Role, "update_from_cloudformation_json", classmethod(update_from_cloudformation_json))
        patcher.replace(Role, "delete_from_cloudformation_json", classmethod(delete_from_cloudformation_json))

        def delete_managed_policy(cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
            delete_policy(_backend(account_id, region_name), resource_name, cloudformation_json.get("Properties") or {})

        patcher.replace(ManagedPolicy, "delete_from_cloudformation_json", classmethod(delete_managed_policy))
