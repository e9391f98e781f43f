"""AssumeRole checks that the role exists and that its trust policy lets the caller in.

moto 5.2.5 hands out credentials for any role ARN, even in an account that has no such role,
so a missing or mistrusted cross-account role only shows up in real AWS.
Evaluated: Allow/Deny statements on ``sts:AssumeRole`` with ``AWS`` principals (account id,
``:root``, role or user ARN, ``*``) and their conditions, with the keys AWS sets for an AssumeRole request: the caller's
(``aws:PrincipalArn``, ``aws:username``, ``aws:PrincipalTag/*``...), ``sts:RoleSessionName``, ``sts:ExternalId`` and
``aws:MultiFactorAuthPresent`` — ``true`` when the request carries an MFA device and code (the code is not checked: the
embedded AWS has no devices), ``false`` for a role session's own request, absent for an IAM user's long-term keys without
MFA, as in AWS. A role trusting ``{"aws:MultiFactorAuthPresent": "true"}`` is refused to a caller without MFA.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.iam.evaluator import Context, UnsupportedCondition, conditions_hold
from embedded_aws.iam.principals import DIRECTORY

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


def trust_allows(policy_document: str, caller_arn: str, caller_account: str, context: Context | None = None) -> bool:
    """Whether the trust policy lets the caller assume the role with the request's condition keys (explicit Deny wins)."""
    policy = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    names = caller_names(caller_arn, caller_account)
    allowed = False
    for statement in as_list(policy.get("Statement", [])):
        actions = {a.lower() for a in as_list(statement.get("Action", []))}
        if not actions & ASSUME_ACTIONS:
            continue
        principal = statement.get("Principal", {})
        principals = {"*"} if principal == "*" else set(as_list(principal.get("AWS", [])))
        if not principals & names or not conditions_hold(statement, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def request_context(access_key: str, caller_arn: str, caller_account: str, params: dict[str, Any]) -> dict[str, list[str]]:
    """The condition keys of an AssumeRole request: the caller's own, and the request's session name, external id and MFA."""
    caller = DIRECTORY.caller(access_key)
    context = caller.context(DIRECTORY.permissions(caller).tags) if caller is not None else {
        "aws:principalarn": [caller_arn], "aws:principalaccount": [caller_account], "aws:principaltype": ["Account"]}
    context["sts:rolesessionname"] = [str(params.get("RoleSessionName", ""))]
    if params.get("ExternalId"):
        context["sts:externalid"] = [str(params["ExternalId"])]
    if params.get("SerialNumber") and params.get("TokenCode"):
        context["aws:multifactorauthpresent"], context["aws:multifactorauthage"] = ["true"], ["0"]
    return context


def check_assume_role(role_arn: str, caller_arn: str, caller_account: str, context: Context | None = None) -> None:
    """Raise :class:`AccessDenied` unless ``caller_arn`` may assume ``role_arn`` (with the request's ``context``)."""
    denied = AccessDenied(f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        raise denied
    role_name = parts[5].rsplit("/", 1)[-1]
    iam = iam_backends[parts[4]]["aws"]
    role = next((r for r in iam.roles.values() if r.name == role_name), None)
    try:
        trusted = role is not None and trust_allows(role.assume_role_policy_document, caller_arn, caller_account, context)
    except UnsupportedCondition as exc:
        raise AccessDenied(f"{denied.message}: the embedded AWS cannot evaluate its trust policy ({exc})") from exc
    if not trusted:
        raise denied


class AssumeRoleTrust(Extension):
    name = "sts-assume-role-trust"
    summary = ("AssumeRole fails with AccessDenied for a missing role or one whose trust policy, conditions included (MFA, session "
               "name, external id, the caller's keys), excludes the caller")

    def install(self, patcher: Patcher) -> None:
        original = TokenResponse.assume_role

        def assume_role(self: Any) -> Any:
            access_key = self.get_access_key()
            _, caller_arn, caller_account = self.backend.get_caller_identity(access_key, self.region)
            params = {name: self._get_param(name) for name in ("RoleSessionName", "ExternalId", "SerialNumber", "TokenCode")}
            check_assume_role(self._get_param("RoleArn"), caller_arn, caller_account,
                              request_context(access_key, caller_arn, caller_account, params))
            return original(self)

        patcher.replace(TokenResponse, "assume_role", assume_role)
