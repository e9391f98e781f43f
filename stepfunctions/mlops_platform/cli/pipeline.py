"""``mlops pipeline ...``: the model-build pipeline (local run for now)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click

from mlops_platform.cli.notebook import platform_outputs
from mlops_platform.cli.options import open_accounts, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_platform.errors import ConfigError, MlopsError


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
@click.option("--local", "local_mode", is_flag=True, required=True, help="Run the steps on this machine (the only mode so far).")
@click.option("--data", type=click.Path(exists=True, dir_okay=False), help="Labelled CSV with a 'target' column (default: bundled breast-cancer data).")
@click.option("--min-accuracy", type=click.FloatRange(0, 1), default=0.9, show_default=True, help="Quality gate.")
@click.option("--model-package-group", default="mlops-models", show_default=True, help="Registry group of the model.")
@target_options
@project_option
@output_option
def run(local_mode: bool, data: str | None, min_accuracy: float, model_package_group: str, project: str, output: str, **target: Any) -> None:
    """Run the model build locally and register the model (PendingManualApproval) if it passes the gate."""
    from pipelines.local_run import run_locally

    accounts = open_accounts(**target)
    bucket = platform_outputs(accounts, project)["ArtifactsBucketName"]
    with tempfile.TemporaryDirectory() as folder, progress("Running the model build locally", enabled=output == "text") as report:
        source = Path(data) if data else bundled_dataset(Path(folder))
        try:
            result = run_locally(source, accounts.client("s3"), accounts.client("sagemaker"), bucket, model_package_group,
                                 accounts.region, min_accuracy=min_accuracy, progress=report)
        except RuntimeError as exc:
            raise ConfigError(str(exc)) from exc
    summary = {"passed": result.passed, "model_package_arn": result.model_package_arn, "model_url": result.model_url,
               "metrics": {k: v["value"] for k, v in result.metrics["binary_classification_metrics"].items()}}
    if output == "json":
        emit_json(summary)
    else:
        table("Model build (local)", ["metric", "value"], sorted(summary["metrics"].items()))
        console.print(f"registered {result.model_package_arn} (PendingManualApproval)" if result.passed
                      else f"accuracy below {min_accuracy}: nothing registered")
    if not result.passed:
        raise MlopsError(f"the model did not pass the quality gate (accuracy {summary['metrics']['accuracy']} < {min_accuracy})")
