"""``mlops setup accounts``: are staging and prod ready for deployments from the tooling account?"""

from __future__ import annotations

import sys
from typing import Any

import click

from mlops_platform.cli.options import open_accounts, platform_config, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, table
from mlops_platform.deploy.account_checks import check_accounts


@click.group()
def setup() -> None:
    """One-time multi-account setup checks."""


@setup.command("accounts")
@target_options
@project_option
@output_option
def accounts_command(project: str, output: str, **target: Any) -> None:
    """Check each target account (--staging-account, --prod-account): reachable, execution and verifier roles trusted.

    Exit status 1 when anything is missing; each failed check says what to do.
    """
    accounts = open_accounts(**target)
    account_ids = {name: accounts.account_id(name) for name in ("tooling", "staging", "prod")}
    checks = check_accounts(accounts.client, account_ids, platform_config(project))
    if output == "json":
        emit_json({"ready": all(c.ok for c in checks), "checks": [c.to_dict() for c in checks]})
    else:
        table("Account readiness", ["account", "check", "", "detail"],
              [(c.account, c.check, "ok" if c.ok else "MISSING", c.detail) for c in checks])
        console.print("ready" if all(c.ok for c in checks) else "not ready: fix the MISSING rows, then run this again")
    if not all(c.ok for c in checks):
        sys.exit(1)
