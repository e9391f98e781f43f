"""``mlops demo``: the end-to-end walk-through on a fresh embedded AWS."""

from __future__ import annotations

from typing import Any

import click

from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.demo_build import model_build_demo
from mlops_platform.cli.demo_console import console_launch_demo
from mlops_platform.cli.demo_deploy import model_deploy_demo
from mlops_platform.cli.options import platform_config
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_platform.cli.platform import synthesize
from mlops_platform.deploy.platform import DeployedStack, deploy_platform, list_stacks
from mlops_platform.local.state import LocalState
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import MlopsError
from mlops_runtime.notebooks.requests import NotebookRequest
from mlops_runtime.notebooks.service import NotebookPlatform, NotebookService

DEMO_ANALYST = "ana"
#: The secure ML environment the demo runs in (any private /16 to /20).
DEMO_NETWORK_CIDR = "10.60.0.0/16"


def add_analyst(accounts: LocalAccounts, user: str, group: str) -> None:
    """An analyst is an IAM user in the platform's analysts group (portfolio access, own URL only)."""
    iam = accounts.client("iam")
    iam.create_user(UserName=user, Tags=[{"Key": "project", "Value": "mlops"}])
    iam.add_user_to_group(GroupName=group, UserName=user)


def environment_demo(accounts: LocalAccounts, deployed: list[DeployedStack], stack_name: str, text: bool) -> dict[str, Any]:
    """What each account's secure ML environment (stack ``stack_name``) holds: the private network, its endpoints, the
    fenced stores, the personas."""
    found: dict[str, Any] = {}
    for stack in deployed:
        if stack.stack_name != stack_name:
            continue
        ec2 = accounts.client("ec2", stack.account)
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [stack.outputs["VpcId"]]}])["VpcEndpoints"]
        found[stack.account] = {
            "vpc_id": stack.outputs["VpcId"], "private_subnet_ids": stack.outputs["PrivateSubnetIds"].split(","),
            "vpc_endpoints": len(endpoints), "data_bucket": stack.outputs["MlDataBucketName"],
            "models_bucket": stack.outputs["MlModelsBucketName"],
            "personas": sorted(arn.rsplit("/", 1)[1] for key, arn in stack.outputs.items()
                               if key.endswith("RoleArn") and key != "DataBreakGlassRoleArn")}
    if text and found:
        table("Secure ML environment in each account (private subnets, no internet, APIs through endpoints)",
              ["account", "vpc", "private subnets", "endpoints", "data store", "models store"],
              [(a, e["vpc_id"], ", ".join(e["private_subnet_ids"]), str(e["vpc_endpoints"]), e["data_bucket"], e["models_bucket"])
               for a, e in found.items()])
        console.print("Personas (each wears the ML guardrails): " + ", ".join(next(iter(found.values()))["personas"]))
    return found


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port of the demo's embedded AWS; 0 picks a free one.")
@click.option("--network-cidr", default=DEMO_NETWORK_CIDR, show_default=True,
              help="Address block of the secure ML environment the demo runs in.")
@click.option("--without-environment", is_flag=True, help="Run the platform without the secure ML environment.")
@output_option
def demo(port: int, network_cidr: str, without_environment: bool, output: str) -> None:
    """Start an embedded AWS, deploy the platform inside a secure ML environment, have an analyst get a notebook and its
    URL, build a model and deploy it through staging to prod."""
    from embedded_aws import EmbeddedAws

    config = platform_config("mlops", None if without_environment else network_cidr, repository_source="codecommit")
    text = output == "text"
    report: dict[str, Any] = {}
    with EmbeddedAws(port=port) as aws:
        accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
        if text:
            console.rule("1. Embedded AWS")
            console.print(f"endpoint {aws.endpoint_url}; accounts " + ", ".join(f"{n}={i}" for n, i in aws.accounts.by_name().items()))
            console.rule("2. Platform deployed from the CDK app" + ("" if without_environment else ", inside the secure ML environment"))
        with progress("Synthesizing and deploying", enabled=text) as step:
            deployed = deploy_platform(accounts, config, synthesize(config), step)
        stacks = list_stacks(accounts, config)
        report.update(endpoint_url=aws.endpoint_url, accounts=aws.accounts.by_name(),
                      deployed=[d.stack_name + "@" + d.account for d in deployed], stacks=stacks)
        if text:
            table("Stacks in each account", ["account", "account id", "stack", "status"],
                  [(s["account"], s["account_id"], s["stack_name"], s["status"]) for s in stacks])
        report["environment"] = environment_demo(accounts, deployed, config.ml_environment_stack_name, text)
        if text:
            console.rule(f"3. Analyst '{DEMO_ANALYST}' requests a notebook (Service Catalog + Step Functions)")
        outputs = ToolingOutputs.from_stack_outputs(next(d for d in deployed if d.stack_name == config.tooling_stack_name).outputs)
        add_analyst(accounts, DEMO_ANALYST, outputs.analysts_group_name)
        notebooks = NotebookService(lambda name: accounts.client(name, "tooling"), NotebookPlatform.from_outputs(outputs))
        with progress(f"Provisioning {DEMO_ANALYST}-Notebook", enabled=text) as step:
            environment = notebooks.request(NotebookRequest(user=DEMO_ANALYST, instance_type="ml.t3.medium"), progress=step)
        issued = notebooks.url(DEMO_ANALYST)
        url = issued.url
        instance = accounts.client("sagemaker").describe_notebook_instance(NotebookInstanceName=environment["environment_id"])
        placement = {"subnet_id": instance.get("SubnetId"), "security_groups": instance.get("SecurityGroups", []),
                     "direct_internet_access": instance.get("DirectInternetAccess")}
        report["notebook"] = {**environment, "url": url, "url_expires_at": issued.expires_at.isoformat(), "placement": placement}
        if text:
            table("Notebook environment", ["field", "value"],
                  [(k, environment[k]) for k in ("environment_id", "owner", "status", "notebook_status", "instance_type", "url_parameter")])
            if placement["subnet_id"]:
                console.print(f"Placed in private subnet {placement['subnet_id']} (groups {', '.join(placement['security_groups'])}), "
                              f"direct internet access {placement['direct_internet_access']}")
            console.print(f"Stored URL ({environment['url_parameter']}, SecureString; it opens the notebook until "
                          f"{issued.expires_at.isoformat(timespec='seconds')}, `mlops notebook url` gives a fresh one):")
            console.print(url, soft_wrap=True)
        if text:
            console.rule("4. Analyst 'bo' launches the notebook product from the Service Catalog console")
        report["console_launch"] = console_launch_demo(accounts, outputs, notebooks, text)
        report["model_build"] = model_build_demo(accounts, outputs, text)
        registered = report["model_build"]["registered"]
        if registered is None:
            raise MlopsError("the model build registered no model version: see mlops pipeline status")
        report["model_deploy"] = model_deploy_demo(accounts, outputs, config.project, text, version=registered["version"])
        if text:
            console.rule("Done")
    if output == "json":
        emit_json(report)
