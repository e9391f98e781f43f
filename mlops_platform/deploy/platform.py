"""The platform's stacks: which account each goes to, the parameters that link them, deploy and destroy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3

from mlops_platform.accounts import ACCOUNT_NAMES, AccountClients, LocalAccounts
from mlops_platform.deploy.assets import publish_assets
from mlops_platform.deploy.cleanup import remove_asset_bucket, remove_stack_set
from mlops_platform.deploy.cloudformation import Progress, delete_stack, deploy_stack, describe_stack, no_progress, outputs_of
from mlops_platform.deploy.layers import build_jwt_layer, publish_layer
from mlops_platform.modeldeploy.deployments import STAGES
from mlops_platform.projects.service import PRODUCT_OUTPUTS, ProjectClients, delete_project, list_projects
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import JWT_LAYER_PARAMETER, PLATFORM_ADMIN_PARAMETER
from mlops_runtime.projects.names import LAUNCH_ROLE_NAME


class Synthesized(Protocol):
    """What deploying needs from a synthesized stack (``mlops_infra.synth.SynthesizedStack``)."""

    stack_name: str
    template_file: Path
    assets_manifest: Path | None


@dataclass(frozen=True)
class StackDeployment:
    """One stack instance: a template deployed into one account with its parameters."""

    stack_name: str
    account: str
    parameters: dict[str, str]


@dataclass(frozen=True)
class DeployedStack:
    stack_name: str
    account: str
    account_id: str
    outputs: dict[str, str]


def platform_plan(config: PlatformConfig, accounts: AccountClients, with_environment: bool | None = None) -> list[StackDeployment]:
    """The secure ML environment in each account (when configured, or asked for), tooling, then the target-account stack
    in staging and prod (order matters for destroy: the environments go last)."""
    staging, prod, tooling = (accounts.account_id(name) for name in ("staging", "prod", "tooling"))
    with_environment = bool(config.network_cidr) if with_environment is None else with_environment
    network = ([StackDeployment(config.ml_environment_stack_name, account,
                                {"EnvironmentName": config.project, "EnvironmentType": account, "ToolingAccountId": tooling,
                                 "StagingAccountIds": staging, "ProdAccountIds": prod})
                for account in ACCOUNT_NAMES] if with_environment else [])
    return [
        *network,
        StackDeployment(config.tooling_stack_name, "tooling", {"StagingAccountId": staging, "ProdAccountId": prod}),
        StackDeployment(config.target_stack_name, "staging", {"ToolingAccountId": tooling}),
        StackDeployment(config.target_stack_name, "prod", {"ToolingAccountId": tooling}),
    ]


def deploy_platform(
    accounts: AccountClients,
    config: PlatformConfig,
    synthesized: Mapping[str, Synthesized],
    progress: Progress = no_progress,
    through_execution_role: bool = False,
) -> list[DeployedStack]:
    """Publish assets and deploy every stack of the plan into its account.

    ``through_execution_role``: CloudFormation acts as the environment's ``<project>-cloudformation-execution`` role in
    each account (what the platform-admin persona may only do); an environment stack being created has no such role yet,
    so it alone is created as the caller.
    """
    deployed = []
    for step in platform_plan(config, accounts):
        stack = synthesized[step.stack_name]
        account_id = accounts.account_id(step.account)
        cfn = accounts.client("cloudformation", step.account)
        role_arn = None
        if through_execution_role and (step.stack_name != config.ml_environment_stack_name or describe_stack(cfn, step.stack_name)):
            partition = boto3.session.Session().get_partition_for_region(accounts.region)
            role_arn = f"arn:{partition}:iam::{account_id}:role/{config.cloudformation_execution_role_name}"
        template_url = None
        if stack.assets_manifest is not None:
            urls = publish_assets(accounts.client("s3", step.account), stack.assets_manifest, account_id, accounts.region, config.tags)
            template_url = urls.get(stack.template_file.name)
        progress(f"{step.stack_name} → {step.account} ({account_id})")
        parameters = dict(step.parameters)
        if step.stack_name == config.tooling_stack_name:
            parameters["CreateProjectLaunchRole"] = creates_project_launch_role(
                accounts.client("iam", step.account), accounts.client("cloudformation", step.account), step.stack_name)
            parameters[PLATFORM_ADMIN_PARAMETER] = principal_arn(accounts.client("sts", step.account),
                                                                 accounts.client("iam", step.account))
            if JWT_LAYER_PARAMETER in json.loads(stack.template_file.read_text()).get("Parameters", {}):
                progress("building and publishing the PyJWT layer of the Studio token authorizer")
                parameters[JWT_LAYER_PARAMETER] = publish_layer(
                    accounts.client("lambda", step.account), accounts.client("s3", step.account),
                    config.asset_bucket_name(account_id, accounts.region), f"{config.project}-pyjwt",
                    build_jwt_layer(for_this_machine=isinstance(accounts, LocalAccounts)))
        outputs = deploy_stack(cfn, step.stack_name, stack.template_file.read_text(), parameters, config.tags,
                               template_url=template_url, progress=progress, role_arn=role_arn)
        deployed.append(DeployedStack(step.stack_name, step.account, account_id, outputs))
    return deployed


def principal_arn(sts: Any, iam: Any) -> str:
    """The IAM ARN of the caller: a user's ARN, or for a role session its role's full ARN (with the role's path)."""
    arn = str(sts.get_caller_identity()["Arn"])
    if ":assumed-role/" not in arn:
        return arn if ":user/" in arn or ":role/" in arn else ""  # the account root has no principal to associate
    role_name = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    return str(iam.get_role(RoleName=role_name)["Role"]["Arn"])


def creates_project_launch_role(iam: Any, cfn: Any, tooling_stack_name: str) -> str:
    """``"true"`` unless the account already has the SageMaker project launch role from elsewhere.

    A role the tooling stack created stays the stack's (the previous answer is kept on updates);
    one that existed before (SageMaker's, or an administrator's) is used as it is and never touched.
    """
    stack = describe_stack(cfn, tooling_stack_name)
    previous = {p["ParameterKey"]: p["ParameterValue"] for p in (stack or {}).get("Parameters", [])}.get("CreateProjectLaunchRole")
    if previous:
        return str(previous)
    try:
        iam.get_role(RoleName=LAUNCH_ROLE_NAME)
    except iam.exceptions.NoSuchEntityException:
        return "true"
    return "false"


def remove_projects(accounts: AccountClients, config: PlatformConfig, progress: Progress = no_progress) -> list[str]:
    """Delete every project launched from the deployed template (they use the platform's roles); their names."""
    stack = describe_stack(accounts.client("cloudformation", "tooling"), config.tooling_stack_name)
    outputs = outputs_of(stack) if stack else {}
    product_ids = [outputs[key] for key in PRODUCT_OUTPUTS if key in outputs]
    if not product_ids:
        return []
    clients = ProjectClients.of(accounts.client)
    names = [project.name for project in list_projects(clients, product_ids)]
    for name in names:
        delete_project(clients, name, progress)
    return names


def destroy_platform(accounts: AccountClients, config: PlatformConfig, progress: Progress = no_progress) -> list[StackDeployment]:
    """Delete the projects launched from the platform's template, the model-deploy stack sets (their instances in
    staging and prod), then the platform's stacks, targets first, then the asset buckets; return the stacks that existed."""
    remove_projects(accounts, config, progress)
    for stage in STAGES:
        remove_stack_set(accounts.client("cloudformation", "tooling"), config.stage_stack_set_name(stage), progress)
    removed = []
    for step in reversed(platform_plan(config, accounts, with_environment=True)):  # an environment goes whatever the config says
        if delete_stack(accounts.client("cloudformation", step.account), step.stack_name, progress):
            removed.append(step)
    for account in ACCOUNT_NAMES:
        remove_asset_bucket(accounts.client("s3", account), config.asset_bucket_name(accounts.account_id(account), accounts.region), progress)
    return removed


def list_stacks(accounts: AccountClients, config: PlatformConfig) -> list[dict[str, Any]]:
    """Every live stack in the three accounts (platform stacks marked), for ``mlops stacks``."""
    platform_names = {config.tooling_stack_name, config.target_stack_name, config.ml_environment_stack_name}
    rows = []
    for account in ACCOUNT_NAMES:
        cfn = accounts.client("cloudformation", account)
        for summary in cfn.list_stacks()["StackSummaries"]:
            if summary["StackStatus"] == "DELETE_COMPLETE":
                continue
            stack = describe_stack(cfn, summary["StackName"]) or {}
            rows.append({
                "account": account,
                "account_id": accounts.account_id(account),
                "stack_name": summary["StackName"],
                "status": summary["StackStatus"],
                "platform": summary["StackName"] in platform_names,
                "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            })
    return rows
