"""AssumeRole checks that the role exists and that its trust policy lets the caller in.

moto 5.2.5 hands out credentials for any role ARN, even in an account that has no such role,
so a missing or mistrusted cross-account role only shows up in real AWS.
Evaluated: Allow/Deny statements on ``sts:AssumeRole`` with ``AWS`` principals (account id,
``:root``, role or user ARN, ``*``). Conditions are not evaluated.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

from embedded_aws.extensions.base import Extension, Patcher

ASSUME_ACTIONS = {"sts:assumerole", "sts:*", "*"}


class AccessDenied(STSClientError):
    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def caller_names(caller_arn: str, caller_account: str) -> set[str]:
    """Principal values that designate the caller: its ARN, its role's ARN, its account."""
    names = {"*", caller_account, f"arn:aws:iam::{caller_account}:root", caller_arn}
    if ":assumed-role/" in caller_arn:
        role_name = caller_arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        names.add(f"arn:aws:iam::{caller_account}:role/{role_name}")
    return names


def trust_allows(policy_document: str, caller_arn: str, caller_account: str) -> bool:
    """Whether the trust policy lets the caller assume the role (explicit Deny wins)."""
    policy = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    names = caller_names(caller_arn, caller_account)
    allowed = False
    for statement in as_list(policy.get("Statement", [])):
        actions = {a.lower() for a in as_list(statement.get("Action", []))}
        if not actions & ASSUME_ACTIONS:
            continue
        principal = statement.get("Principal", {})
        principals = {"*"} if principal == "*" else set(as_list(principal.get("AWS", [])))
        if not principals & names:
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def check_assume_role(role_arn: str, caller_arn: str, caller_account: str) -> None:
    """Raise :class:`AccessDenied` unless ``caller_arn`` may assume ``role_arn``."""
    denied = AccessDenied(f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        raise denied
    role_name = parts[5].rsplit("/", 1)[-1]
    iam = iam_backends[parts[4]]["aws"]
    role = next((r for r in iam.roles.values() if r.name == role_name), None)
    if role is None or not trust_allows(role.assume_role_policy_document, caller_arn, caller_account):
        raise denied


class AssumeRoleTrust(Extension):
    name = "sts-assume-role-trust"
    summary = "AssumeRole fails with AccessDenied for a missing role or one whose trust policy excludes the caller"

    def install(self, patcher: Patcher) -> None:
        original = TokenResponse.assume_role

        def assume_role(self: Any) -> Any:
            _, caller_arn, caller_account = self.backend.get_caller_identity(self.get_access_key(), self.region)
            check_assume_role(self._get_param("RoleArn"), caller_arn, caller_account)
            return original(self)

        patcher.replace(TokenResponse, "assume_role", assume_role)
