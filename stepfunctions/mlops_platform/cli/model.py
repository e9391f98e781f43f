"""``mlops model ...``: approve or reject registered versions, and dry-run a stage's deployment guardrail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mlops_platform.cli.options import project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, table
from mlops_platform.cli.pipeline import _model_build
from mlops_platform.errors import ConfigError

SEED_MODELDEPLOY = Path(__file__).resolve().parents[3] / "seed_code" / "modeldeploy"


@click.group()
def model() -> None:
    """Registered models: approval (which triggers a deployment) and deployment dry runs."""


def _decide(status: str, version: int, description: str, group: str | None, project: str, output: str, target: dict[str, Any]) -> None:
    from mlops_platform.modeldeploy.packages import find_version, set_approval

    accounts, outputs = _model_build(project, target)
    sagemaker = accounts.client("sagemaker")
    group = group or outputs["ModelPackageGroupName"]
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
    from mlops_platform.modeldeploy.guardrails import Guardrail, GuardrailError, plan as dry_run

    path = Path(config_path) if config_path else SEED_MODELDEPLOY / f"{stage}-config.json"
    try:
        config = json.loads(path.read_text())
        guardrail = Guardrail.from_config({**config["Guardrail"], "alarms": [f"{stage}-5xx", f"{stage}-model-latency"]},
                                          int(config["InstanceCount"]))
        alarms, traffic = config.get("Alarms", {}), config.get("Traffic", {})
        result = dry_run(guardrail, rate or float(traffic["requests_per_second"]), alarm_period or int(alarms["period_seconds"]),
                         evaluation_periods or int(alarms.get("evaluation_periods", 1)))
    except (GuardrailError, KeyError, ValueError) as exc:
        raise ConfigError(f"{path.name}: {exc}") from exc
    summary = {"stage": stage, "type": guardrail.type, "instance_count": guardrail.instance_count,
               "steps": [{"at_seconds": s.at_seconds, "new_fleet_percent": round(s.new_fleet_share * 100, 2)} for s in result.steps],
               "total_seconds": result.total_seconds, "detection_seconds": result.detection_seconds,
               "worst_case_bad_requests": result.worst_case_bad_requests}
    if output == "json":
        emit_json(summary)
        return
    table(f"{stage}: {guardrail.type} over {guardrail.instance_count} instance(s)", ["at (s)", "traffic on the new model"],
          [(s["at_seconds"], f"{s['new_fleet_percent']:g} %") for s in summary["steps"]])
    console.print(f"done after {result.total_seconds} s (baking {guardrail.wait_seconds} s per step, "
                  f"old fleet kept {guardrail.termination_wait_seconds} s)")
    console.print(f"a bad model is detected after {result.detection_seconds} s and serves at most "
                  f"{result.worst_case_bad_requests} requests before rollback")
