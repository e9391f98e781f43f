"""``mlops demo``: the end-to-end walk-through on a fresh embedded AWS."""

from __future__ import annotations

import json
from typing import Any

import click

from mlops_platform.aws.accounts import LocalAccounts
from mlops_platform.cli.demo_deploy import model_deploy_demo
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


def model_build_demo(accounts: LocalAccounts, outputs: dict[str, str], text: bool) -> dict[str, Any]:
    """Model build twice: the step scripts on this machine, then a push that runs the CI (CodeBuild → run-pipeline)."""
    import tempfile
    from pathlib import Path

    from mlops_platform.cli.pipeline import SEED_MODELBUILD, bundled_dataset
    from mlops_platform.modelbuild.ci import execution_ids, wait_for_ci, wait_for_new_execution
    from mlops_platform.modelbuild.registry import list_versions
    from mlops_platform.modelbuild.source import push_source
    from pipelines.local_run import run_locally

    if text:
        console.rule("4. Model build on this machine (real step scripts, registered PendingManualApproval)")
    with tempfile.TemporaryDirectory() as folder, progress("Preprocess → Train → Evaluate → Gate → Register", enabled=text) as step:
        local = run_locally(bundled_dataset(Path(folder)), accounts.client("s3"), accounts.client("sagemaker"),
                            outputs["ArtifactsBucketName"], outputs["ModelPackageGroupName"], accounts.region, progress=step)
    versions = list_versions(accounts.client("sagemaker"), accounts.client("s3"), outputs["ModelPackageGroupName"])
    if text:
        table(f"Model registry: {outputs['ModelPackageGroupName']}", ["version", "status", "accuracy", "f1", "auc"],
              [(v.version, v.status, *(f"{v.metrics.get(m, float('nan')):.3f}" for m in ("accuracy", "f1", "auc"))) for v in versions])
        console.rule("5. git push of the model-build repository → CodePipeline → CodeBuild runs its buildspec")
    codepipeline = accounts.client("codepipeline")
    known = execution_ids(codepipeline, outputs["ModelBuildPipelineName"])
    push_source(accounts.client("s3"), outputs["ModelBuildSourceBucketName"], outputs["ModelBuildSourceKey"], SEED_MODELBUILD)
    execution = wait_for_new_execution(codepipeline, outputs["ModelBuildPipelineName"], known)
    with progress(f"{outputs['ModelBuildPipelineName']} {execution}", enabled=text) as step:
        ci = wait_for_ci(codepipeline, outputs["ModelBuildPipelineName"], execution, progress=step)
    sagemaker_pipeline = accounts.client("sagemaker").describe_pipeline(PipelineName=outputs["SageMakerPipelineName"])
    if text:
        table(f"CI run ({ci['trigger']}): {ci['status']}", ["stage", "action", "status", "summary"],
              [(s["name"], a["name"], a["status"], a["summary"]) for s in ci["stages"] for a in s["actions"]])
        console.print(f"SageMaker pipeline {sagemaker_pipeline['PipelineName']} upserted by the build "
                      f"(run-pipeline); its steps: " + ", ".join(s["Name"] for s in json.loads(sagemaker_pipeline["PipelineDefinition"])["Steps"]))
    return {"local_run": {"model_package_arn": local.model_package_arn, "passed": local.passed},
            "registry": [v.to_dict() for v in versions], "ci": ci, "sagemaker_pipeline": sagemaker_pipeline["PipelineArn"]}


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
        if text:
            table("Notebook environment", ["field", "value"],
                  [(k, environment[k]) for k in ("environment_id", "owner", "status", "notebook_status", "instance_type", "url_parameter")])
            console.print(f"Stored URL ({environment['url_parameter']}, SecureString):")
            console.print(url, soft_wrap=True)
        report["model_build"] = model_build_demo(accounts, outputs, text)
        report["model_deploy"] = model_deploy_demo(accounts, outputs, config.project, text)
        if text:
            console.rule("Done")
    if output == "json":
        emit_json(report)
