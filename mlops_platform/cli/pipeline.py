"""``mlops pipeline ...``: the model-build pipeline: push, definition, upsert, run, status, models."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click

from mlops_infra.assets import seed_root
from mlops_platform.cli.options import deployed_platform, platform_config, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError, MlopsError


def bundled_dataset(folder: Path) -> Path:
    """scikit-learn's breast-cancer data (shipped with the package, no download) as ``data.csv``."""
    from sklearn.datasets import load_breast_cancer

    path = folder / "data.csv"
    load_breast_cancer(as_frame=True).frame.to_csv(path, index=False)
    return path


@click.group()
def pipeline() -> None:
    """The model-build pipeline: preprocess, train, evaluate, gate, register."""


@pipeline.command("run")
@click.option("--local", "local_mode", is_flag=True, help="Run the step scripts on this machine instead of in SageMaker.")
@click.option("--data", type=click.Path(exists=True, dir_okay=False),
              help="--local: labelled CSV with a 'target' column (default: bundled breast-cancer data).")
@click.option("--min-accuracy", type=click.FloatRange(0, 1), default=0.9, show_default=True, help="Quality gate.")
@click.option("--model-package-group", help="Registry group of the model (default: the platform's).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="SageMaker: wait for the execution to end.")
@click.option("--timeout", "timeout_seconds", type=click.FloatRange(1), default=7200, show_default=True, help="SageMaker: seconds to wait.")
@target_options
@project_option
@output_option
def run(local_mode: bool, data: str | None, min_accuracy: float, model_package_group: str | None, wait: bool, timeout_seconds: float,
        project: str, output: str, **target: Any) -> None:
    """Run the model build: in SageMaker (upsert, start, wait), or --local on this machine; registers PendingManualApproval."""
    accounts, outputs = _model_build(project, target)
    group = model_package_group or outputs.model_package_group_name
    if local_mode:
        _run_locally(accounts, outputs.artifacts_bucket_name, group, data, min_accuracy, output)
    else:
        if data:
            raise ConfigError("--data applies to --local; in SageMaker set InputDataUrl: mlops pipeline upsert --start --parameter InputDataUrl=s3://...")
        _run_in_sagemaker(accounts, outputs, group, min_accuracy, wait, timeout_seconds, project, output)


def _run_in_sagemaker(accounts: Any, outputs: ToolingOutputs, group: str, min_accuracy: float, wait: bool, timeout_seconds: float,
                      project: str, output: str) -> None:
    from mlops_platform.modelbuild.definition import pipeline_kwargs, render
    from pipelines._executions import start_execution, upsert_pipeline, wait_for_execution

    sagemaker = accounts.client("sagemaker")
    name, rendered = render(pipeline_kwargs(outputs, accounts.region, {"model_package_group_name": group}), accounts.sdk_environment())
    upsert_pipeline(sagemaker, name, json.dumps(rendered), outputs.sagemaker_pipeline_role_arn,
                    "Model build: preprocess, train, evaluate, gate, register",
                    [{"Key": k, "Value": v} for k, v in sorted(platform_config(project).tags.items())])
    execution = start_execution(sagemaker, name, {"MinAccuracy": min_accuracy})
    summary: dict[str, Any] = {"execution_arn": execution, "status": "Executing"}
    if wait:
        with progress(f"Running {name} in SageMaker", enabled=output == "text") as report:
            try:
                result = wait_for_execution(sagemaker, execution, poll_seconds=5, timeout_seconds=timeout_seconds, progress=report)
            except TimeoutError as exc:
                raise MlopsError(str(exc)) from exc
        summary.update(status=result.status, failure_reason=result.failure_reason, steps=result.steps)
    if output == "json":
        emit_json(summary)
    else:
        console.print(f"{execution}: {summary['status']}")
    if summary["status"] in {"Failed", "Stopped"}:
        raise MlopsError(f"execution {summary['status']}: {summary.get('failure_reason') or 'no reason given'}")


def _run_locally(accounts: Any, bucket: str, group: str, data: str | None, min_accuracy: float, output: str) -> None:
    from pipelines.local_run import run_locally

    with tempfile.TemporaryDirectory() as folder, progress("Running the model build locally", enabled=output == "text") as report:
        source = Path(data) if data else bundled_dataset(Path(folder))
        try:
            result = run_locally(source, accounts.client("s3"), accounts.client("sagemaker"), bucket, group,
                                 accounts.region, min_accuracy=min_accuracy, progress=report)
        except RuntimeError as exc:
            raise ConfigError(str(exc)) from exc
    metrics: dict[str, float] = {k: v["value"] for k, v in result.metrics["binary_classification_metrics"].items()}
    summary = {"passed": result.passed, "model_package_arn": result.model_package_arn, "model_url": result.model_url,
               "metrics": metrics}
    if output == "json":
        emit_json(summary)
    else:
        table("Model build (local)", ["metric", "value"], sorted(metrics.items()))
        console.print(f"registered {result.model_package_arn} (PendingManualApproval)" if result.passed
                      else f"accuracy below {min_accuracy}: nothing registered")
    if not result.passed:
        raise MlopsError(f"the model did not pass the quality gate (accuracy {metrics['accuracy']} < {min_accuracy})")


def _model_build(project: str, target: dict[str, Any]) -> tuple[Any, ToolingOutputs]:
    return deployed_platform(project, target)


def _parameters(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise ConfigError(f"--parameter must be NAME=VALUE, got {value!r}")
        parsed[name] = text
    return parsed


def _kwargs(text: str | None) -> dict[str, Any]:
    from pipelines._utils import parse_kwargs

    try:
        return parse_kwargs(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


@pipeline.command("push")
@click.option("--source", "source", type=click.Path(file_okay=False), help="Model-build repository folder (default: seed_code/modelbuild).")
@target_options
@project_option
@output_option
def push(source: str | None, project: str, output: str, **target: Any) -> None:
    """Push the model-build repository (git push to the CodeCommit source, or the zip to the S3 source): CI starts."""
    from mlops_platform.modelbuild.git_source import RepositorySource, push_repository

    accounts, outputs = _model_build(project, target)
    try:
        pushed = push_repository(accounts, RepositorySource.of(outputs, "model-build"), Path(source) if source else seed_root() / "modelbuild",
                                 message="mlops pipeline push")
    except TimeoutError as exc:
        raise MlopsError(str(exc)) from exc
    result = pushed.to_dict()
    if output == "json":
        emit_json(result)
    else:
        console.print(f"pushed {pushed.source_version}; {pushed.pipeline} execution {pushed.execution_id} started "
                      f"(follow it with: mlops pipeline status)")


@pipeline.command("upload-data")
@click.option("--data", type=click.Path(exists=True, dir_okay=False),
              help="Labelled CSV with a 'target' column (default: the bundled breast-cancer data).")
@target_options
@project_option
@output_option
def upload_data(data: str | None, project: str, output: str, **target: Any) -> None:
    """Put the labelled data where the pipeline reads it by default (its InputDataUrl)."""
    from mlops_platform.modelbuild.data import default_input_url, upload

    accounts, outputs = _model_build(project, target)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(data) if data else bundled_dataset(Path(folder))
        result = upload(accounts.client("s3"), source, default_input_url(outputs), outputs.artifacts_key_arn)
    if output == "json":
        emit_json(result)
    else:
        console.print(f"uploaded {result['rows']} rows to {result['url']} (the pipeline's default InputDataUrl)")


@pipeline.command("definition")
@click.option("--kwargs", "kwargs_text", help="JSON get_pipeline overrides, e.g. '{\"subnets\": [\"subnet-1\"]}'.")
@click.option("--normalized", is_flag=True, help="Replace code hashes, timestamps and local paths by placeholders.")
@click.option("--file-name", type=click.Path(dir_okay=False, writable=True), help="Write the definition here.")
@target_options
@project_option
def definition(kwargs_text: str | None, normalized: bool, file_name: str | None, project: str, **target: Any) -> None:
    """Render the model-build pipeline definition for the deployed platform."""
    from mlops_platform.modelbuild.definition import pipeline_kwargs, render
    from pipelines._normalize import normalize
    from pipelines.get_pipeline_definition import SOURCE_ROOT

    accounts, outputs = _model_build(project, target)
    try:
        _, rendered = render(pipeline_kwargs(outputs, accounts.region, _kwargs(kwargs_text)), accounts.sdk_environment())
    except TypeError as exc:
        raise ConfigError(f"--kwargs: {exc}") from exc
    text = json.dumps(normalize(rendered, SOURCE_ROOT) if normalized else rendered, indent=2)
    if file_name:
        Path(file_name).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@pipeline.command("upsert")
@click.option("--kwargs", "kwargs_text", help="JSON get_pipeline overrides.")
@click.option("--start", is_flag=True, help="Start an execution after the upsert.")
@click.option("--parameter", "parameters", multiple=True, metavar="NAME=VALUE", help="Parameter override for --start (repeatable).")
@target_options
@project_option
@output_option
def upsert(kwargs_text: str | None, start: bool, parameters: tuple[str, ...], project: str, output: str, **target: Any) -> None:
    """Create or update the SageMaker pipeline from pipelines/ (and optionally start it)."""
    from mlops_platform.modelbuild.definition import pipeline_kwargs, render
    from pipelines._executions import start_execution, upsert_pipeline

    overrides = _parameters(parameters)
    if overrides and not start:
        raise ConfigError("--parameter applies to an execution: add --start")
    accounts, outputs = _model_build(project, target)
    sagemaker = accounts.client("sagemaker")
    name, rendered = render(pipeline_kwargs(outputs, accounts.region, _kwargs(kwargs_text)), accounts.sdk_environment())
    config = platform_config(project)
    arn, created = upsert_pipeline(sagemaker, name, json.dumps(rendered), outputs.sagemaker_pipeline_role_arn,
                                   "Model build: preprocess, train, evaluate, gate, register",
                                   [{"Key": k, "Value": v} for k, v in sorted(config.tags.items())])
    result: dict[str, Any] = {"pipeline_arn": arn, "created": created}
    if start:
        try:
            result["execution_arn"] = start_execution(sagemaker, name, overrides)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    if output == "json":
        emit_json(result)
    else:
        console.print(f"{'created' if created else 'updated'} {arn}")
        if start:
            console.print(f"started {result['execution_arn']}")


@pipeline.command("status")
@click.option("--wait/--no-wait", default=False, show_default=True, help="Wait for the latest execution to end, showing progress.")
@click.option("--timeout", "timeout_seconds", type=click.FloatRange(1), default=7200, show_default=True, help="--wait: seconds to wait.")
@target_options
@project_option
@output_option
def status(wait: bool, timeout_seconds: float, project: str, output: str, **target: Any) -> None:
    """The model-build CI run (push → build), the SageMaker pipeline's latest executions and the steps of the newest."""
    from mlops_platform.modelbuild.ci import ci_status
    from mlops_platform.modelbuild.executions import latest_executions, step_rows
    from pipelines._executions import describe_execution, wait_for_execution

    accounts, outputs = _model_build(project, target)
    ci = ci_status(accounts.client("codepipeline"), outputs.model_build_pipeline_name)
    sagemaker = accounts.client("sagemaker")
    executions = latest_executions(sagemaker, outputs.sagemaker_pipeline_name)
    latest = None
    if executions:
        if wait:
            with progress(f"Execution {executions[0]['arn'].rsplit('/', 1)[-1]}", enabled=output == "text") as report:
                try:
                    latest = wait_for_execution(sagemaker, executions[0]["arn"], poll_seconds=5, timeout_seconds=timeout_seconds,
                                                progress=report)
                except TimeoutError as exc:
                    raise MlopsError(str(exc)) from exc
            executions = latest_executions(sagemaker, outputs.sagemaker_pipeline_name)
        else:
            latest = describe_execution(sagemaker, executions[0]["arn"])
    if output == "json":
        emit_json({"ci": ci, "sagemaker_pipeline": outputs.sagemaker_pipeline_name, "executions": executions,
                   "latest": None if latest is None else {"arn": latest.arn, "status": latest.status,
                                                           "failure_reason": latest.failure_reason, "steps": step_rows(latest.steps)}})
        return
    console.print(f"CI {ci['pipeline']}: {ci['status']}" + (f" — {ci['summary']}" if ci.get("summary") else ""))
    rows = [(stage["name"], action["name"], action["status"], action["summary"]) for stage in ci["stages"] for action in stage["actions"]]
    if rows:
        table("Model-build CI", ["stage", "action", "status", "summary"], rows)
    table(f"SageMaker pipeline {outputs.sagemaker_pipeline_name}", ["execution", "status", "started"],
          [(e["arn"].rsplit("/", 1)[-1], e["status"], e["started"]) for e in executions])
    if latest is not None:
        table(f"Steps of {latest.arn.rsplit('/', 1)[-1]} ({latest.status})", ["step", "status", "duration", "failure"],
              [(s["name"], s["status"], s["duration"], s["failure_reason"] or "") for s in step_rows(latest.steps)])


@pipeline.command("list-models")
@click.option("--group", help="Model package group (default: the platform's).")
@click.option("--status", "approval", type=click.Choice(["Approved", "Rejected", "PendingManualApproval"]), help="Only this approval status.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@target_options
@project_option
@output_option
def list_models(group: str | None, approval: str | None, limit: int, project: str, output: str, **target: Any) -> None:
    """Registered model versions, newest first, with approval status and evaluation metrics."""
    from mlops_platform.modelbuild.registry import list_versions

    accounts, outputs = _model_build(project, target)
    group = group or outputs.model_package_group_name
    try:
        versions = list_versions(accounts.client("sagemaker"), accounts.client("s3"), group, limit, approval)
    except LookupError as exc:
        raise ConfigError(str(exc)) from exc
    if output == "json":
        emit_json([v.to_dict() for v in versions])
        return
    names = sorted({m for v in versions for m in v.metrics})
    table(f"Models in {group}", ["version", "status", "created", *names],
          [(v.version, v.status, v.created, *(f"{v.metrics[m]:.3f}" if m in v.metrics else "-" for m in names)) for v in versions])
