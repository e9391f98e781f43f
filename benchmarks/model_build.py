"""From a ``git push`` of the model-build repository to a registered model version, on the embedded AWS, and its parts.

One run: deploy the platform with the CodeCommit source, put the bundled data in place, ``git push``
``seed_code/modelbuild`` to it, follow the model-build CodePipeline, then read the times from what the services recorded: the CodeBuild phases (the
repository's tests, ``run-pipeline``) and each step of the SageMaker pipeline execution the build started. For
scale, the same steps run by ``mlops pipeline run --local`` on the same data, and the ratio of the two.

Run: ``.venv/bin/python benchmarks/model_build.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from embedded_aws import EmbeddedAws
from mlops_infra.assets import seed_root
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.pipeline import bundled_dataset
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.local.state import LocalState
from mlops_platform.modelbuild.ci import wait_for_ci
from mlops_platform.modelbuild.data import default_input_url, upload
from mlops_platform.modelbuild.executions import latest_executions
from mlops_platform.modelbuild.git_source import push_and_start
from mlops_platform.modelbuild.registry import list_versions
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs
from pipelines._executions import describe_execution
from pipelines.local_run import run_locally


def seconds(start: Any, end: Any) -> float:
    return (end - start).total_seconds() if start is not None and end is not None else float("nan")


def build_phases(codebuild: Any, project: str) -> list[tuple[str, float]]:
    [build_id] = codebuild.list_builds_for_project(projectName=project)["ids"][:1]
    [build] = codebuild.batch_get_builds(ids=[build_id])["builds"]
    return [(p["phaseType"], seconds(p.get("startTime"), p.get("endTime"))) for p in build["phases"] if p.get("endTime")]


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    config = PlatformConfig(retain_data=False, repository_source="codecommit")
    with EmbeddedAws() as aws, tempfile.TemporaryDirectory() as folder:
        accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
        outputs = ToolingOutputs.from_stack_outputs(deploy_platform(accounts, config, synthesize(config))[0].outputs)
        s3, sagemaker = accounts.client("s3"), accounts.client("sagemaker")
        data = bundled_dataset(Path(folder))
        upload(s3, data, default_input_url(outputs), outputs.artifacts_key_arn)
        assert outputs.model_build_repository_clone_url
        remote, git_args = accounts.git_remote(outputs.model_build_repository_clone_url)

        started = time.perf_counter()
        pushed = push_and_start(accounts.client("codepipeline"), remote=remote, git_args=git_args, folder=seed_root() / "modelbuild",
                                branch="main", pipeline=outputs.model_build_pipeline_name)
        ci = wait_for_ci(accounts.client("codepipeline"), pushed.pipeline, pushed.execution_id, timeout=1200)
        push_to_registered = time.perf_counter() - started
        [latest] = latest_executions(sagemaker, outputs.sagemaker_pipeline_name, limit=1)
        execution = describe_execution(sagemaker, latest["arn"])
        described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=latest["arn"])
        [version] = list_versions(sagemaker, s3, outputs.model_package_group_name)[:1]

        local_started = time.perf_counter()
        local = run_locally(data, s3, sagemaker, outputs.artifacts_bucket_name, outputs.model_package_group_name, accounts.region)
        local_seconds = time.perf_counter() - local_started
        phases = build_phases(accounts.client("codebuild"), f"{config.project}-modelbuild")

    print(f"CI {ci['status']}; execution {execution.status}; registered version {version.version} "
          f"({version.status}, accuracy {version.metrics.get('accuracy', float('nan')):.3f}); local run passed: {local.passed}")
    print("\nCodeBuild phases (s):")
    for phase, duration in phases:
        print(f"  {phase:<18} {duration:7.2f}")
    print("\nSageMaker pipeline steps (s):")
    for step in execution.steps:
        print(f"  {step['name']:<28} {seconds(step['started'], step['ended']):7.2f}  {step['status']}")
    execution_seconds = seconds(described["CreationTime"], described["LastModifiedTime"])
    print(f"\ngit push → registered version: {push_to_registered:7.2f} s")
    print(f"  of which the pipeline ran:   {execution_seconds:7.2f} s")
    print(f"local run of the same steps:   {local_seconds:7.2f} s")
    print(f"ratio git push→registered / local: {push_to_registered / local_seconds:7.2f}")


if __name__ == "__main__":
    main()
