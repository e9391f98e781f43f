"""``mlops doctor``: what AWS would refuse at use time, checked before anyone hits it."""

from __future__ import annotations

import sys
from typing import Any

import click

from mlops_platform.cli.options import open_accounts, platform_config, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, table
from mlops_platform.deploy.account_checks import check_accounts
from mlops_platform.deploy.platform_checks import check_platform


@click.command("doctor")
@target_options
@project_option
@output_option
def doctor(project: str, output: str, **target: Any) -> None:
    """Check the accounts and the deployed platform: target-account roles and trust, launch paths of the notebook
    state machine and of you (projects), the account's API Gateway CloudWatch role.

    Exit status 1 naming each gap; each failed check says what to do.
    """
    accounts = open_accounts(**target)
    config = platform_config(project)
    account_ids = {name: accounts.account_id(name) for name in ("tooling", "staging", "prod")}
    checks = check_accounts(accounts.client, account_ids, config) + check_platform(accounts.client, config)
    healthy = all(c.ok for c in checks)
    if output == "json":
        emit_json({"healthy": healthy, "checks": [c.to_dict() for c in checks]})
    else:
        table("Platform doctor", ["account", "check", "", "detail"],
              [(c.account, c.check, "ok" if c.ok else "GAP", c.detail) for c in checks])
        console.print("healthy" if healthy else "gaps found: fix the GAP rows, then run this again")
    if not healthy:
        sys.exit(1)
