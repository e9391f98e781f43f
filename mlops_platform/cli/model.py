"""``mlops model ...``: approve or reject registered versions, and dry-run a stage's deployment guardrail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mlops_infra.assets import seed_root
from mlops_platform.cli.options import deployed_platform, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, table
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError, MlopsError


@click.group()
def model() -> None:
    """Registered models: approval (which triggers a deployment), deployments to staging and prod, dry runs."""


def _decide(status: str, version: int, description: str, group: str | None, project: str, output: str, target: dict[str, Any]) -> None:
    from mlops_platform.modeldeploy.packages import find_version, set_approval

    accounts, outputs = deployed_platform(project, target)
    sagemaker = accounts.client("sagemaker")
    group = group or outputs.model_package_group_name
    try:
        described = set_approval(sagemaker, find_version(sagemaker, group, version), status, description)
    except LookupError as exc:
        raise ConfigError(str(exc)) from exc
    result = {"model_package_arn": described["ModelPackageArn"], "version": described["ModelPackageVersion"],
              "status": described["ModelApprovalStatus"], "description": described.get("ApprovalDescription", "")}
    if output == "json":
        emit_json(result)
    else:
        console.print(f"{group} version {version}: {result['status']}" + (f" ({description})" if description else ""))


@model.command("approve")
@click.option("--version", type=click.IntRange(1), required=True, help="Version in the model package group.")
@click.option("--description", default="", help="Why (kept with the package).")
@click.option("--group", help="Model package group (default: the platform's).")
@target_options
@project_option
@output_option
def approve(version: int, description: str, group: str | None, project: str, output: str, **target: Any) -> None:
    """Approve a version: the approval event starts its deployment."""
    _decide("Approved", version, description, group, project, output, target)


@model.command("reject")
@click.option("--version", type=click.IntRange(1), required=True, help="Version in the model package group.")
@click.option("--description", required=True, help="Why it is rejected.")
@click.option("--group", help="Model package group (default: the platform's).")
@target_options
@project_option
@output_option
def reject(version: int, description: str, group: str | None, project: str, output: str, **target: Any) -> None:
    """Reject a version (no deployment is triggered)."""
    _decide("Rejected", version, description, group, project, output, target)


@model.command("plan")
@click.option("--stage", type=click.Choice(["staging", "prod"]), required=True)
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Stage config (default: seed_code/modeldeploy/<stage>-config.json).")
@click.option("--rate", type=click.FloatRange(0, min_open=True), help="Requests per second (default: the config's Traffic).")
@click.option("--alarm-period", type=click.IntRange(1), help="Alarm period in seconds (default: the config's Alarms).")
@click.option("--evaluation-periods", type=click.IntRange(1), help="Alarm evaluation periods (default: the config's Alarms).")
@output_option
def plan(stage: str, config_path: str | None, rate: float | None, alarm_period: int | None, evaluation_periods: int | None,
         output: str) -> None:
    """Dry run of a stage's blue/green update: traffic-shift timeline and worst-case requests served by a bad model."""
    from mlops_platform.modeldeploy.guardrails import Guardrail, GuardrailError
    from mlops_platform.modeldeploy.guardrails import plan as dry_run

    path = Path(config_path) if config_path else seed_root() / "modeldeploy" / f"{stage}-config.json"
    try:
        config = json.loads(path.read_text())
        guardrail = Guardrail.from_config({**config["Guardrail"], "alarms": [f"{stage}-5xx", f"{stage}-model-latency"]},
                                          int(config["InstanceCount"]))
        alarms, traffic = config.get("Alarms", {}), config.get("Traffic", {})
        result = dry_run(guardrail, rate or float(traffic["requests_per_second"]), alarm_period or int(alarms["period_seconds"]),
                         evaluation_periods or int(alarms.get("evaluation_periods", 1)))
    except (GuardrailError, KeyError, ValueError) as exc:
        raise ConfigError(f"{path.name}: {exc}") from exc
    steps = [{"at_seconds": s.at_seconds, "new_fleet_percent": round(s.new_fleet_share * 100, 2)} for s in result.steps]
    summary = {"stage": stage, "type": guardrail.type, "instance_count": guardrail.instance_count,
               "steps": steps,
               "total_seconds": result.total_seconds, "detection_seconds": result.detection_seconds,
               "worst_case_bad_requests": result.worst_case_bad_requests}
    if output == "json":
        emit_json(summary)
        return
    table(f"{stage}: {guardrail.type} over {guardrail.instance_count} instance(s)", ["at (s)", "traffic on the new model"],
          [(s["at_seconds"], f"{s['new_fleet_percent']:g} %") for s in steps])
    console.print(f"done after {result.total_seconds} s (baking {guardrail.wait_seconds} s per step, "
                  f"old fleet kept {guardrail.termination_wait_seconds} s)")
    console.print(f"a bad model is detected after {result.detection_seconds} s and serves at most "
                  f"{result.worst_case_bad_requests} requests before rollback")


def _model_deploy(project: str, target: dict[str, Any]) -> tuple[Any, ToolingOutputs]:
    return deployed_platform(project, target)


@model.command("push")
@click.option("--source", type=click.Path(exists=True, file_okay=False), help="Model-deploy repository (default: seed_code/modeldeploy).")
@target_options
@project_option
@output_option
def push(source: str | None, project: str, output: str, **target: Any) -> None:
    """Push the model-deploy repository (git push to the CodeCommit source, or the zip to the S3 source): a deployment of
    the latest approved model starts."""
    from mlops_platform.modelbuild.git_source import RepositorySource, push_repository

    accounts, outputs = _model_deploy(project, target)
    try:
        pushed = push_repository(accounts, RepositorySource.of(outputs, "model-deploy"),
                                 Path(source) if source else seed_root() / "modeldeploy", message="mlops model push")
    except TimeoutError as exc:
        raise MlopsError(str(exc)) from exc
    result = pushed.to_dict()
    if output == "json":
        emit_json(result)
    else:
        console.print(f"pushed {pushed.source_version}; {pushed.pipeline} execution {pushed.execution_id} started "
                      "(follow it with: mlops model deployments)")


@model.command("promote")
@click.option("--reject", is_flag=True, help="Reject instead: the deployment stops before prod.")
@click.option("--summary", required=True, help="Why (shown in the pipeline).")
@target_options
@project_option
@output_option
def promote(reject: bool, summary: str, project: str, output: str, **target: Any) -> None:
    """Decide the manual approval gate the deploy pipeline waits at (staging verified → prod)."""
    from mlops_platform.modelbuild.ci import decide_approval

    accounts, outputs = _model_deploy(project, target)
    try:
        stage, action = decide_approval(accounts.client("codepipeline"), outputs.model_deploy_pipeline_name, not reject, summary)
    except LookupError as exc:
        raise ConfigError(str(exc)) from exc
    result = {"pipeline": outputs.model_deploy_pipeline_name, "stage": stage, "action": action, "approved": not reject, "summary": summary}
    if output == "json":
        emit_json(result)
    else:
        console.print(f"{result['pipeline']} {stage}/{action}: {'Approved' if not reject else 'Rejected'} ({summary})")


@model.command("deployments")
@target_options
@project_option
@output_option
def deployments(project: str, output: str, **target: Any) -> None:
    """What each stage's endpoint serves, how its last deployment ended, and the deploy pipeline's latest run."""
    from mlops_platform.modelbuild.ci import ci_status
    from mlops_platform.modeldeploy.deployments import all_stages

    accounts, outputs = _model_deploy(project, target)
    stages = all_stages(accounts, outputs, project)
    run = ci_status(accounts.client("codepipeline"), outputs.model_deploy_pipeline_name)
    if output == "json":
        emit_json({"stages": [s.to_dict() for s in stages], "pipeline": run})
        return
    table("Model deployments", ["stage", "account", "endpoint", "version", "last deployment", "stack instance", "alarms in ALARM"],
          [(s.stage, s.account_id, f"{s.endpoint.name} {s.endpoint.status}" if s.endpoint else "-", s.version or "-",
            s.last_deployment, s.instance_status or "-", ", ".join(s.endpoint.alarms_in_alarm) if s.endpoint else "-") for s in stages])
    console.print(f"{run['pipeline']}: {run['status']}" + (f" — {run['summary']}" if run.get("summary") else ""))


@model.command("rollback-status")
@click.option("--stage", type=click.Choice(["staging", "prod"]), required=True)
@target_options
@project_option
@output_option
def rollback_status(stage: str, project: str, output: str, **target: Any) -> None:
    """Whether the stage's last deployment was rolled back, and which alarm did it; exit status 1 when it was."""
    from mlops_platform.modeldeploy.deployments import stage_deployment

    accounts, outputs = _model_deploy(project, target)
    deployment = stage_deployment(accounts, outputs, project, stage)
    rolled_back = bool(deployment.endpoint and deployment.endpoint.rolled_back)
    if output == "json":
        emit_json(deployment.to_dict())
    elif deployment.endpoint is None:
        console.print(f"{stage}: no endpoint deployed yet")
    else:
        console.print(f"{stage}: endpoint {deployment.endpoint.name} {deployment.endpoint.status} on {deployment.endpoint.config} "
                      f"(model version {deployment.version or '?'}); last deployment {deployment.last_deployment}")
        if deployment.instance_reason:
            console.print(f"stack instance {deployment.instance_status}: {deployment.instance_reason}")
    if rolled_back:
        raise SystemExit(1)


@model.command("traffic")
@click.option("--stage", type=click.Choice(["staging", "prod"]), required=True)
@click.option("--seconds", type=click.FloatRange(0, min_open=True), default=10.0, show_default=True)
@click.option("--rate", type=click.FloatRange(0, min_open=True), default=20.0, show_default=True, help="Requests per second.")
@click.option("--requests", "requests_path", type=click.Path(exists=True, dir_okay=False),
              help="CSV file, one request per line (default: seed_code/modeldeploy/smoke-request.csv).")
@target_options
@project_option
@output_option
def traffic(stage: str, seconds: float, rate: float, requests_path: str | None, project: str, output: str, **target: Any) -> None:
    """Call the stage's endpoint as clients would (what a blue/green deployment's alarms measure); report the outcomes."""
    from mlops_platform.modeldeploy.endpoints import endpoint_name
    from mlops_platform.modeldeploy.traffic import Traffic, request_bodies

    accounts, _ = _model_deploy(project, target)
    path = Path(requests_path) if requests_path else seed_root() / "modeldeploy" / "smoke-request.csv"
    try:
        sender = Traffic(accounts.client("sagemaker-runtime", stage), endpoint_name(project, stage), request_bodies(path.read_text()), rate)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    report = sender.run_for(seconds)
    if output == "json":
        emit_json({"stage": stage, **report.to_dict()})
        return
    console.print(f"{stage}: {report.sent} requests, {report.answered} answered, "
                  + (", ".join(f"{n} {code}" for code, n in report.errors.items()) or "no errors"))
    if report.last_error:
        console.print(f"last error: {report.last_error}")
