"""Options shared by commands, resolved argument > environment > default."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from mlops_platform import settings
from mlops_platform.accounts import AccountClients, AwsAccounts, LocalAccounts
from mlops_platform.local.state import running_state
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError


def _compose(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(command: Any) -> Any:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


target_options = _compose(
    click.option("--target", type=click.Choice(settings.TARGETS), help="local = embedded AWS (default), aws = real account. Env MLOPS_TARGET."),
    click.option("--profile", help="AWS named profile for --target aws. Env AWS_PROFILE."),
    click.option("--region", help="AWS region. Env AWS_REGION / AWS_DEFAULT_REGION; default us-east-1."),
    click.option("--staging-account", help="Staging account id (--target aws). Env MLOPS_STAGING_ACCOUNT."),
    click.option("--prod-account", help="Prod account id (--target aws). Env MLOPS_PROD_ACCOUNT."),
    click.option("--target-role", help="Role assumed in staging/prod (--target aws). Env MLOPS_TARGET_ROLE; default OrganizationAccountAccessRole."),
    click.option("--state-dir", type=click.Path(file_okay=False),
                 help="Where the embedded AWS keeps its state file. Env MLOPS_STATE_DIR; default ~/.mlops."),
)

project_option = click.option(
    "--project", default=lambda: settings.resolve(None, settings.PROJECT_ENV, "mlops"), show_default="mlops",
    help="Project prefix of physical names. Env MLOPS_PROJECT.",
)


network_options = _compose(
    click.option("--network-cidr", default=lambda: settings.resolve(None, "MLOPS_NETWORK_CIDR", None),
                 help="Run the platform inside a secure ML environment with this private VPC block (/16 to /20), deployed first in "
                      "each account. Env MLOPS_NETWORK_CIDR."),
    click.option("--network-nat", is_flag=True, help="Give the environment's private subnets a NAT gateway (default: no internet)."),
)


#: The CLI flag of each setting a ``PlatformConfig`` error may name (checked in this order: a message can name two).
CONFIG_FLAGS = {"network_cidr": "--network-cidr", "repository_source": "--repository-source",
                "modeldeploy_repository": "--modeldeploy-repository", "modelbuild_repository": "--modelbuild-repository",
                "modelbuild_connection_arn": "--connection-arn", "modelbuild_branch": "--branch"}


def platform_config(project: str, network_cidr: str | None = None, network_nat: bool = False, **settings: Any) -> Any:
    """``PlatformConfig`` for ``project`` (inside a secure ML environment when ``network_cidr`` is given; ``settings``: other
    fields, ``None`` meaning the default); bad values are a :class:`ConfigError` naming the flag."""
    from mlops_runtime.config import PlatformConfig

    try:
        return PlatformConfig(project=project, network_cidr=network_cidr or None, network_nat=network_nat,
                              **{name: value for name, value in settings.items() if value is not None})
    except ValueError as exc:
        option = next((flag for name, flag in CONFIG_FLAGS.items() if name in str(exc)), "--project")
        raise ConfigError(f"{option}: {exc}") from exc


def open_accounts(target: str | None, profile: str | None, region: str | None, staging_account: str | None,
                  prod_account: str | None, target_role: str | None, state_dir: str | None) -> AccountClients:
    """Clients for the chosen target: a running embedded AWS, or real AWS through a profile."""
    resolved = settings.TargetSettings.resolve(target, region, profile, staging_account, prod_account, target_role)
    if resolved.target == "local":
        return LocalAccounts(running_state(settings.state_dir(state_dir)))
    return AwsAccounts.from_profile(resolved.profile, resolved.region, resolved.staging_account, resolved.prod_account, resolved.target_role)


def platform_outputs(accounts: Any, project: str) -> ToolingOutputs:
    """Outputs of the deployed tooling stack (a clear error when the platform is not deployed, or older than this CLI)."""
    from mlops_platform.deploy.cloudformation import describe_stack, outputs_of

    config = platform_config(project)
    stack = describe_stack(accounts.client("cloudformation", "tooling"), config.tooling_stack_name)
    if stack is None:
        raise ConfigError(f"the platform is not deployed ({config.tooling_stack_name} not found): run mlops deploy")
    try:
        return ToolingOutputs.from_stack_outputs(outputs_of(stack))
    except ValueError as exc:
        raise ConfigError(f"the deployed platform predates this CLI ({exc}): run mlops deploy") from exc


def deployed_platform(project: str, target: dict[str, Any], needs: str = "", feature: str = "") -> tuple[AccountClients, ToolingOutputs]:
    """Clients and tooling outputs; a clear error when the platform was deployed without ``needs`` (an optional output)."""
    accounts = open_accounts(**target)
    outputs = platform_outputs(accounts, project)
    if needs and getattr(outputs, needs) is None:
        raise ConfigError(f"the deployed platform has no {feature or ToolingOutputs.key(needs)}: run mlops deploy")
    return accounts, outputs


def state_directory(state_dir: str | None) -> Path:
    return settings.state_dir(state_dir)
