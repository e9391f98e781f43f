"""Is each target account ready for model deployments? Checks that name exactly what is missing.

Staging and prod must each hold the stack-set execution role, trusting the tooling account's administration
role, and the deploy verifier role, trusting the tooling account's verify role (both come with the platform's
target-account stack, ``cfn_templates/<project>-target-account.template.json``). The administration role in
tooling must be allowed to assume each execution role. Reaching the account at all is the first check.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embedded_aws.iam.evaluator import evaluate
from mlops_runtime.config import PlatformConfig


@dataclass(frozen=True)
class Check:
    account: str
    check: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "check": self.check, "ok": self.ok, "detail": self.detail}


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return json.loads(urllib.parse.unquote(value))


def trusts(trust_policy: dict[str, Any], principal_arn: str) -> bool:
    """Whether the trust policy lets ``principal_arn`` (or its whole account) call sts:AssumeRole."""
    account = principal_arn.split(":")[4]
    for statement in trust_policy.get("Statement", []):
        if statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        actions = statement.get("Action", [])
        if "sts:AssumeRole" not in ([actions] if isinstance(actions, str) else actions):
            continue
        principals = (statement.get("Principal") or {}).get("AWS", [])
        principals = [principals] if isinstance(principals, str) else principals
        if {principal_arn, account, f"arn:aws:iam::{account}:root"} & set(principals):
            return True
    return False


def _role(iam: Any, name: str) -> dict[str, Any] | None:
    try:
        return iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None


def _trust_check(iam: Any, account: str, role_name: str, what: str, trusted_arn: str) -> Check:
    role = _role(iam, role_name)
    if role is None:
        return Check(account, what, False, f"role {role_name} is missing: deploy the target-account stack in this account")
    if not trusts(_document(role["AssumeRolePolicyDocument"]), trusted_arn):
        return Check(account, what, False, f"role {role_name} does not trust {trusted_arn}")
    return Check(account, what, True, f"{role['Arn']} trusts {trusted_arn}")


def check_accounts(client: Callable[[str, str], Any], account_ids: dict[str, str], config: PlatformConfig) -> list[Check]:
    """Every check, for each of staging and prod, then the tooling account's administration role."""
    tooling = account_ids["tooling"]
    administration = f"arn:aws:iam::{tooling}:role/{config.stackset_administration_role_name}"
    verify = f"arn:aws:iam::{tooling}:role/{config.modeldeploy_verify_role_name}"
    checks: list[Check] = []
    for account in ("staging", "prod"):
        try:
            iam = client("iam", account)
            identity = client("sts", account).get_caller_identity()
        except Exception as exc:  # noqa: BLE001 - any failure to reach the account is the finding
            checks.append(Check(account, "reachable", False, f"cannot act in account {account_ids[account]}: {exc}"))
            continue
        if identity["Account"] != account_ids[account]:
            checks.append(Check(account, "reachable", False,
                                f"credentials act in {identity['Account']}, not in {account} ({account_ids[account]})"))
            continue
        checks.append(Check(account, "reachable", True, f"acting as {identity['Arn']}"))
        checks.append(_trust_check(iam, account, config.stackset_execution_role_name, "stack-set execution role", administration))
        checks.append(_trust_check(iam, account, config.deploy_verifier_role_name, "deploy verifier role", verify))
    checks.append(_administration_check(client("iam", "tooling"), config, account_ids))
    return checks


def _administration_check(iam: Any, config: PlatformConfig, account_ids: dict[str, str]) -> Check:
    name = config.stackset_administration_role_name
    if _role(iam, name) is None:
        return Check("tooling", "stack-set administration role", False, f"role {name} is missing: deploy the platform (mlops deploy)")
    policies = [_document(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                for p in iam.list_role_policies(RoleName=name)["PolicyNames"]]
    for account in ("staging", "prod"):
        target = f"arn:aws:iam::{account_ids[account]}:role/{config.stackset_execution_role_name}"
        if not evaluate(policies, "sts:AssumeRole", target).allowed:
            return Check("tooling", "stack-set administration role", False, f"role {name} may not assume {target}: redeploy with this "
                                                                            f"{account} account (mlops deploy --{account}-account)")
    return Check("tooling", "stack-set administration role", True, f"{name} may assume the execution role in staging and prod")
