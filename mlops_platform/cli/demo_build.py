"""``mlops demo``, model build: a push of the model-build repository builds and registers a model, every step real."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from mlops_infra.assets import seed_root
from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.output import console, progress, table
from mlops_runtime.contracts import ToolingOutputs


def model_build_demo(accounts: LocalAccounts, outputs: ToolingOutputs, text: bool) -> dict[str, Any]:
    """Data in place, push → CodePipeline → CodeBuild ``run-pipeline`` → the SageMaker pipeline runs → a version registered."""
    from mlops_platform.cli.pipeline import bundled_dataset
    from mlops_platform.modelbuild.ci import wait_for_ci
    from mlops_platform.modelbuild.data import default_input_url, upload
    from mlops_platform.modelbuild.executions import latest_executions, step_rows
    from mlops_platform.modelbuild.git_source import RepositorySource, push_repository
    from mlops_platform.modelbuild.registry import list_versions
    from pipelines._executions import describe_execution

    if text:
        console.rule("5. Model build: git push of the model-build repository → CodePipeline → CodeBuild → the SageMaker pipeline runs")
    s3, sagemaker, codepipeline = accounts.client("s3"), accounts.client("sagemaker"), accounts.client("codepipeline")
    with tempfile.TemporaryDirectory() as scratch:
        data = upload(s3, bundled_dataset(Path(scratch)), default_input_url(outputs), outputs.artifacts_key_arn)
    if text:
        console.print(f"training data: {data['rows']} labelled rows at {data['url']}")
    # the demo's platform builds from CodeCommit: a real git push
    pushed = push_repository(accounts, RepositorySource.of(outputs, "model-build"), seed_root() / "modelbuild",
                             message="Model build: first version")
    if text and outputs.model_build_repository_clone_url:
        console.print(f"git push to {outputs.model_build_repository_clone_url} (main): commit {pushed.source_version[:12]}")
    with progress(f"{pushed.pipeline} {pushed.execution_id}: tests, then run-pipeline", enabled=text) as step:
        ci = wait_for_ci(codepipeline, pushed.pipeline, pushed.execution_id, timeout=900, progress=step)
    executions = latest_executions(sagemaker, outputs.sagemaker_pipeline_name, limit=1)
    execution = describe_execution(sagemaker, executions[0]["arn"]) if executions else None
    steps = step_rows(execution.steps) if execution else []
    versions = list_versions(sagemaker, s3, outputs.model_package_group_name)
    if text:
        table(f"CI run ({ci['trigger']}): {ci['status']}", ["stage", "action", "status", "summary"],
              [(s["name"], a["name"], a["status"], a["summary"]) for s in ci["stages"] for a in s["actions"]])
        if execution:
            table(f"SageMaker pipeline execution {execution.arn.rsplit('/', 1)[-1]}: {execution.status}",
                  ["step", "status", "duration", "failure"], [(s["name"], s["status"], s["duration"], s["failure_reason"] or "") for s in steps])
        table(f"Model registry: {outputs.model_package_group_name}", ["version", "status", "accuracy", "f1", "auc"],
              [(v.version, v.status, *(f"{v.metrics.get(m, float('nan')):.3f}" for m in ("accuracy", "f1", "auc"))) for v in versions])
    return {"data": data, "ci": ci, "execution": None if execution is None else {
                "arn": execution.arn, "status": execution.status, "failure_reason": execution.failure_reason, "steps": steps},
            "registered": versions[0].to_dict() if versions else None}
