"""``mlops demo``: the end-to-end walk-through on a fresh embedded AWS."""

from __future__ import annotations

import click

from mlops_platform.aws.accounts import LocalAccounts
from mlops_platform.cli.options import platform_config
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_platform.cli.platform import synthesize
from mlops_platform.deploy.platform import deploy_platform, list_stacks
from mlops_platform.local.state import LocalState


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port of the demo's embedded AWS; 0 picks a free one.")
@output_option
def demo(port: int, output: str) -> None:
    """Start an embedded AWS, deploy the platform into its three accounts and show the result."""
    from embedded_aws import EmbeddedAws

    config = platform_config("mlops")
    text = output == "text"
    with EmbeddedAws(port=port) as aws:
        accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
        if text:
            console.rule("1. Embedded AWS")
            console.print(f"endpoint {aws.endpoint_url}; accounts " + ", ".join(f"{n}={i}" for n, i in aws.accounts.by_name().items()))
            console.rule("2. Platform deployed from the CDK app")
        with progress("Synthesizing and deploying", enabled=text) as report:
            deployed = deploy_platform(accounts, config, synthesize(config), report)
        stacks = list_stacks(accounts, config)
        if output == "json":
            emit_json({"endpoint_url": aws.endpoint_url, "accounts": aws.accounts.by_name(),
                       "deployed": [d.stack_name + "@" + d.account for d in deployed], "stacks": stacks})
            return
        table("Stacks in each account", ["account", "account id", "stack", "status"],
              [(s["account"], s["account_id"], s["stack_name"], s["status"]) for s in stacks])
        console.rule("Done")
        console.print(f"{len(deployed)} platform stacks deployed across tooling, staging and prod.")
