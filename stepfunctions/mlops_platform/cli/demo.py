"""``mlops demo``: the end-to-end walk-through on a fresh embedded AWS."""

from __future__ import annotations

from typing import Any

import click

from mlops_platform.aws.accounts import LocalAccounts
from mlops_platform.cli.options import platform_config
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_platform.cli.platform import synthesize
from mlops_platform.deploy.platform import deploy_platform, list_stacks
from mlops_platform.local.state import LocalState
from mlops_platform.notebooks.requests import NotebookRequest
from mlops_platform.notebooks.service import NotebookPlatform, NotebookService

DEMO_ANALYST = "ana"


def add_analyst(accounts: LocalAccounts, user: str, group: str) -> None:
    """An analyst is an IAM user in the platform's analysts group (portfolio access, own URL only)."""
    iam = accounts.client("iam")
    iam.create_user(UserName=user, Tags=[{"Key": "project", "Value": "mlops"}])
    iam.add_user_to_group(GroupName=group, UserName=user)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port of the demo's embedded AWS; 0 picks a free one.")
@output_option
def demo(port: int, output: str) -> None:
    """Start an embedded AWS, deploy the platform, and have an analyst get a notebook and its URL."""
    from embedded_aws import EmbeddedAws

    config = platform_config("mlops")
    text = output == "text"
    report: dict[str, Any] = {}
    with EmbeddedAws(port=port) as aws:
        accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
        if text:
            console.rule("1. Embedded AWS")
            console.print(f"endpoint {aws.endpoint_url}; accounts " + ", ".join(f"{n}={i}" for n, i in aws.accounts.by_name().items()))
            console.rule("2. Platform deployed from the CDK app")
        with progress("Synthesizing and deploying", enabled=text) as step:
            deployed = deploy_platform(accounts, config, synthesize(config), step)
        stacks = list_stacks(accounts, config)
        report.update(endpoint_url=aws.endpoint_url, accounts=aws.accounts.by_name(),
                      deployed=[d.stack_name + "@" + d.account for d in deployed], stacks=stacks)
        if text:
            table("Stacks in each account", ["account", "account id", "stack", "status"],
                  [(s["account"], s["account_id"], s["stack_name"], s["status"]) for s in stacks])
            console.rule(f"3. Analyst '{DEMO_ANALYST}' requests a notebook (Service Catalog + Step Functions)")
        outputs = deployed[0].outputs
        add_analyst(accounts, DEMO_ANALYST, outputs["AnalystsGroupName"])
        notebooks = NotebookService(lambda name: accounts.client(name, "tooling"), NotebookPlatform.from_outputs(outputs))
        with progress(f"Provisioning {DEMO_ANALYST}-Notebook", enabled=text) as step:
            environment = notebooks.request(NotebookRequest(user=DEMO_ANALYST, instance_type="ml.t3.medium"), progress=step)
        url = notebooks.url(DEMO_ANALYST)
        report["notebook"] = {**environment, "url": url}
        if output == "json":
            emit_json(report)
            return
        table("Notebook environment", ["field", "value"],
              [(k, environment[k]) for k in ("environment_id", "owner", "status", "notebook_status", "instance_type", "url_parameter")])
        console.print(f"Stored URL ({environment['url_parameter']}, SecureString):")
        console.print(url, soft_wrap=True)
        console.rule("Done")
