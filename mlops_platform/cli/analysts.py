"""``mlops analysts add|list``: who may request notebooks (IAM users in the analysts group)."""

from __future__ import annotations

from typing import Any

import click
from botocore.exceptions import ClientError

from mlops_platform.cli.options import open_accounts, platform_outputs, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, table
from mlops_runtime.errors import ConfigError


@click.group()
def analysts() -> None:
    """Analysts: IAM users of the platform account in the <project>-analysts group."""


@analysts.command("add")
@click.option("--user", required=True, help="IAM user name (2-40 lowercase letters, digits or '-').")
@click.option("--with-keys", is_flag=True, help="Also create an access key (for SigV4 calls to the URL API).")
@target_options
@project_option
@output_option
def add(user: str, with_keys: bool, project: str, output: str, **target: Any) -> None:
    """Create USER if needed and add them to the analysts group."""
    accounts = open_accounts(**target)
    group = platform_outputs(accounts, project).analysts_group_name
    iam = accounts.client("iam", "tooling")
    try:
        iam.create_user(UserName=user, Tags=[{"Key": "project", "Value": project}])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ValidationError":
            raise ConfigError(f"--user: {exc.response['Error']['Message']}") from exc
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    iam.add_user_to_group(GroupName=group, UserName=user)
    result: dict[str, Any] = {"user": user, "group": group}
    if with_keys:
        key = iam.create_access_key(UserName=user)["AccessKey"]
        result.update(access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])
    if output == "json":
        emit_json(result)
    else:
        console.print(f"{user} is an analyst (group {group})" + (f"; access key {result['access_key_id']}" if with_keys else ""))


@analysts.command("list")
@target_options
@project_option
@output_option
def list_(project: str, output: str, **target: Any) -> None:
    """List the analysts."""
    accounts = open_accounts(**target)
    group = platform_outputs(accounts, project).analysts_group_name
    users = [u["UserName"] for u in accounts.client("iam", "tooling").get_group(GroupName=group)["Users"]]
    if output == "json":
        emit_json(users)
    else:
        table(f"Analysts ({group})", ["user"], [(u,) for u in users])
