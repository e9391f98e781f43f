"""Will the deployed platform work for the people and services that use it? Checks that name exactly what is missing.

Each is something AWS refuses at use time and no deployment error reports: a launch path for the state machine that
provisions notebooks and for the caller who creates projects, and the account's API Gateway CloudWatch role the URL
APIs' access logs need. Before the first ``mlops deploy`` they report what the deployment will set.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from mlops_platform.deploy.account_checks import Check
from mlops_platform.deploy.cloudformation import describe_stack, outputs_of
from mlops_platform.deploy.platform import principal_arn
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs

TOOLING = "tooling"


def _principals(catalog: Any, portfolio_id: str) -> set[str]:
    pages = catalog.get_paginator("list_principals_for_portfolio").paginate(PortfolioId=portfolio_id)
    return {p["PrincipalARN"] for page in pages for p in page["Principals"]}


def _launch_path(catalog: Any, what: str, portfolio_id: str, principal: str, groups: frozenset[str] | set[str] = frozenset()) -> Check:
    principals = _principals(catalog, portfolio_id)
    if principal in principals or groups & principals:
        return Check(TOOLING, what, True, f"{principal} may launch from portfolio {portfolio_id}")
    return Check(TOOLING, what, False, f"{principal} has no launch path to portfolio {portfolio_id} (Service Catalog "
                                       "refuses with 'No launch paths found'): associate it, or redeploy as it (mlops deploy)")


def _api_gateway_role(apigateway: Any, iam: Any) -> Check:
    what = "API Gateway CloudWatch role"
    role_arn = apigateway.get_account().get("cloudwatchRoleArn")
    if not role_arn:
        return Check(TOOLING, what, False, "the account has no API Gateway CloudWatch role: stages with access logs cannot be "
                                           "created (mlops deploy sets one)")
    try:
        role = iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]
    except iam.exceptions.NoSuchEntityException:
        return Check(TOOLING, what, False, f"the account's API Gateway CloudWatch role {role_arn} no longer exists: redeploy (mlops deploy)")
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(urllib.parse.unquote(trust))
    if "apigateway.amazonaws.com" not in json.dumps(trust):
        return Check(TOOLING, what, False, f"{role_arn} does not trust apigateway.amazonaws.com")
    return Check(TOOLING, what, True, f"{role_arn}")


def check_platform(client: Callable[[str, str], Any], config: PlatformConfig) -> list[Check]:
    """The tooling account's checks: launch paths (once deployed) and the API Gateway CloudWatch role."""
    stack = describe_stack(client("cloudformation", TOOLING), config.tooling_stack_name)
    if stack is None:
        return [Check(TOOLING, "platform deployed", False, f"{config.tooling_stack_name} is not deployed: run mlops deploy "
                                                            "(it sets the launch paths and the API Gateway role checked here)")]
    outputs = ToolingOutputs.from_stack_outputs(outputs_of(stack))
    catalog, iam = client("servicecatalog", TOOLING), client("iam", TOOLING)
    machine_role = client("stepfunctions", TOOLING).describe_state_machine(
        stateMachineArn=outputs.notebook_provisioning_state_machine_arn)["roleArn"]
    caller = principal_arn(client("sts", TOOLING), iam)
    groups: set[str] = set()
    if ":user/" in caller:
        groups = {g["Arn"] for g in iam.list_groups_for_user(UserName=caller.rsplit("/", 1)[-1])["Groups"]}
    return [
        Check(TOOLING, "platform deployed", True, config.tooling_stack_name),
        _launch_path(catalog, "notebook provisioning launch path", outputs.notebook_portfolio_id, machine_role),
        _launch_path(catalog, "project launch path (you)", outputs.project_portfolio_id, caller, groups),
        _api_gateway_role(client("apigateway", TOOLING), iam),
    ]
