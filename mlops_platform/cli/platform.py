"""``mlops synth|deploy|destroy|stacks``: the platform's stacks on the embedded or a real AWS."""

from __future__ import annotations

from typing import Any

import click

from mlops_platform.accounts import ACCOUNT_NAMES
from mlops_platform.cli.options import network_options, open_accounts, platform_config, platform_outputs, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_platform.deploy.cleanup import leftovers, studio_leftovers
from mlops_platform.deploy.platform import DeployedStack, deploy_platform, destroy_platform, list_stacks
from mlops_runtime.errors import ConfigError


def synthesize(config: Any, outdir: str | None = None) -> dict[str, Any]:
    """Synthesize the CDK app (imported here: only these commands need aws_cdk)."""
    from mlops_infra.synth import synthesize as synth_app

    return synth_app(config, outdir)


@click.command()
@click.option("--outdir", type=click.Path(file_okay=False), default="cdk.out", show_default=True, help="Cloud assembly folder.")
@click.option("--export-templates", is_flag=True, help="Also refresh the generated files: cfn_templates/, the golden ASL and seed_code/.")
@project_option
@network_options
@output_option
def synth(outdir: str, export_templates: bool, project: str, network_cidr: str | None, network_nat: bool, output: str) -> None:
    """Synthesize the platform's stacks (no AWS call; AwsSolutions checks must pass)."""
    config = platform_config(project, network_cidr, network_nat)
    with progress("Synthesizing", enabled=output == "text"):
        stacks = synthesize(config, outdir)
        exported = []
        if export_templates:
            from mlops_infra.synth import export_templates as export
            from mlops_platform.packaging.seed_code import export_all

            exported = [str(p) for p in export_all()] + [str(p) for p in export(config=config)]  # seeds first: the templates hold their asset hashes
    rows = [{"stack_name": name, "template": str(s.template_file)} for name, s in sorted(stacks.items())]
    if output == "json":
        emit_json({"stacks": rows, "exported": exported})
        return
    table("Synthesized stacks", ["stack", "template"], [(r["stack_name"], r["template"]) for r in rows])
    for path in exported:
        console.print(f"exported {path}")


@click.command()
@target_options
@project_option
@network_options
@click.option("--through-execution-role", is_flag=True,
              help="CloudFormation acts as the environment's <project>-cloudformation-execution role in each account (what the "
                   "platform-admin persona must do; the environment stacks are created first, as you).")
@click.option("--repository-source", type=click.Choice(["s3", "codecommit"]), default="s3", show_default=True,
              help="Where the model-build and model-deploy repositories live (the platform's and its projects'): S3 source "
                   "buckets, or CodeCommit repositories (git push; accounts that have CodeCommit, and the embedded AWS).")
@click.option("--connection-arn", help="The platform's repositories on GitHub, GitLab or Bitbucket instead: a CodeConnections "
                                       "connection (created and authorized beforehand), with --modelbuild-repository.")
@click.option("--modelbuild-repository", metavar="OWNER/NAME", help="With --connection-arn: the model-build repository.")
@click.option("--modeldeploy-repository", metavar="OWNER/NAME", help="With --connection-arn: the model-deploy repository too "
                                                                      "(default: the S3 or CodeCommit one).")
@click.option("--branch", help="The branch whose pushes start the pipelines (default: main).")
@output_option
def deploy(project: str, network_cidr: str | None, network_nat: bool, through_execution_role: bool, repository_source: str,
           connection_arn: str | None, modelbuild_repository: str | None, modeldeploy_repository: str | None, branch: str | None,
           output: str, **target: Any) -> None:
    """Deploy the platform: the secure ML environment in each account (with --network-cidr), the tooling stack, then the
    target-account stack in staging and prod."""
    config = platform_config(project, network_cidr, network_nat, repository_source=repository_source,
                             modelbuild_connection_arn=connection_arn, modelbuild_repository=modelbuild_repository,
                             modeldeploy_repository=modeldeploy_repository, modelbuild_branch=branch)
    if through_execution_role and not config.network_cidr:
        raise ConfigError("--through-execution-role: the execution role comes with the secure ML environment; give --network-cidr")
    accounts = open_accounts(**target)
    with progress("Deploying the platform", enabled=output == "text") as report:
        deployed = deploy_platform(accounts, config, synthesize(config), report, through_execution_role=through_execution_role)
    show_deployed(deployed, output)


def show_deployed(deployed: list[DeployedStack], output: str) -> None:
    if output == "json":
        emit_json([{"stack_name": d.stack_name, "account": d.account, "account_id": d.account_id, "outputs": d.outputs} for d in deployed])
        return
    table("Deployed stacks", ["account", "account id", "stack", "outputs"],
          [(d.account, d.account_id, d.stack_name, ", ".join(f"{k}={v}" for k, v in sorted(d.outputs.items()))) for d in deployed])


@click.command()
@target_options
@project_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed for --target aws without a terminal).")
@output_option
def destroy(project: str, yes: bool, output: str, **target: Any) -> None:
    """Delete the platform's stacks (and the model-deploy stack sets) from the three accounts; list what is left."""
    config = platform_config(project)
    accounts = open_accounts(**target)
    if not yes and target.get("target") == "aws":
        click.confirm(f"Delete the {project} platform stacks from tooling, staging and prod?", abort=True)
    try:
        domain_id = platform_outputs(accounts, project).studio_domain_id
    except ConfigError:
        domain_id = None
    domain_ids = [domain_id] if domain_id else []
    with progress("Destroying the platform", enabled=output == "text") as report:
        removed = destroy_platform(accounts, config, report)
    rows = [{"stack_name": s.stack_name, "account": s.account} for s in removed]
    found = leftovers(accounts, project, ACCOUNT_NAMES)
    if domain_ids:
        found += studio_leftovers(accounts.client("efs", "tooling"), "tooling", accounts.account_id("tooling"), accounts.region, domain_ids)
    left = [item.to_dict() for item in found]
    if output == "json":
        emit_json({"removed": rows, "left": left})
    else:
        if rows:
            table("Removed stacks", ["account", "stack"], [(r["account"], r["stack_name"]) for r in rows])
        else:
            console.print("nothing to remove")
        if left:
            table("Left in the accounts (delete them yourself when no longer needed)", ["account", "resource", "why"],
                  [(item["account"], item["arn"], item["why"]) for item in left])


@click.command()
@target_options
@project_option
@output_option
def stacks(project: str, output: str, **target: Any) -> None:
    """List the stacks in the tooling, staging and prod accounts."""
    rows = list_stacks(open_accounts(**target), platform_config(project))
    if output == "json":
        emit_json(rows)
        return
    table("Stacks", ["account", "account id", "stack", "status", "platform"],
          [(r["account"], r["account_id"], r["stack_name"], r["status"], "yes" if r["platform"] else "") for r in rows])

