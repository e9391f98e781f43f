"""``run-pipeline`` against the embedded AWS: upsert (create, then update), start with overrides, wait, exit code."""

from __future__ import annotations

import json

from embedded_aws import EmbeddedAws
from pipelines.run_pipeline import main

ROLE = "arn:aws:iam::123456789012:role/pipeline"

KWARGS = json.dumps({"region": "us-east-1", "role": ROLE, "default_bucket": "artifacts", "pipeline_name": "churn-build"})


def test_creates_then_updates_and_starts_with_overrides(sdk_env: EmbeddedAws, capsys) -> None:  # type: ignore[no-untyped-def]
    sm = sdk_env.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="mlops-models")
    args = ["--role-arn", ROLE, "--kwargs", KWARGS, "--tags", '{"team": "ds"}', "--parameters", '{"MinAccuracy": 0.8}', "--poll-seconds", "0.2"]
    assert main(args, sagemaker=sm) == 0
    assert main(args, sagemaker=sm) == 0
    out = capsys.readouterr().out
    assert "created arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-build" in out
    assert "updated arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-build" in out
    assert out.count("  Register: Succeeded") == 2 and out.count("  Train: Succeeded") == 2  # each execution really ran
    assert len(sm.list_model_packages(ModelPackageGroupName="mlops-models")["ModelPackageSummaryList"]) == 2
    described = sm.describe_pipeline(PipelineName="churn-build")
    assert described["RoleArn"] == ROLE
    assert [s["Name"] for s in json.loads(described["PipelineDefinition"])["Steps"]][:3] == ["Preprocess", "Train", "Evaluate"]
    [latest, _] = sm.list_pipeline_executions(PipelineName="churn-build", SortOrder="Descending")["PipelineExecutionSummaries"]
    parameters = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=latest["PipelineExecutionArn"])["PipelineParameters"]
    assert parameters == [{"Name": "MinAccuracy", "Value": "0.8"}]


def test_unknown_parameter_is_refused_before_starting(sdk_env: EmbeddedAws, capsys) -> None:  # type: ignore[no-untyped-def]
    sm = sdk_env.client("sagemaker")
    assert main(["--role-arn", ROLE, "--kwargs", KWARGS, "--parameters", '{"MinAcuracy": 0.8}'], sagemaker=sm) == 2
    assert "unknown pipeline parameter(s) MinAcuracy; the pipeline declares InputDataUrl" in capsys.readouterr().err
    assert sm.list_pipeline_executions(PipelineName="churn-build")["PipelineExecutionSummaries"] == []
