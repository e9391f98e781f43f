"""``mlops pipeline`` against the deployed platform on the embedded AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from support import Platform, wait_for

Run = Callable[..., Result]


def test_run_local_registers_the_model_and_list_models_shows_it_first(run: Run) -> None:
    first = run("pipeline", "run", "--local", "--output", "json")
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["passed"] is True and summary["metrics"]["accuracy"] >= 0.9
    assert summary["model_package_arn"].startswith("arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-models/")
    second = json.loads(run("pipeline", "run", "--local", "--output", "json").stdout)
    listed = run("pipeline", "list-models", "--output", "json")
    assert listed.exit_code == 0, listed.stderr
    versions = json.loads(listed.stdout)
    assert [v["arn"] for v in versions][:2] == [second["model_package_arn"], summary["model_package_arn"]]
    assert versions[0]["status"] == "PendingManualApproval"
    assert versions[0]["metrics"] == pytest.approx(second["metrics"])
    assert json.loads(run("pipeline", "list-models", "--status", "Approved", "--output", "json").stdout) == []


def test_run_local_below_the_gate_fails(run: Run) -> None:
    result = run("pipeline", "run", "--local", "--min-accuracy", "0.99")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "error: the model did not pass the quality gate (accuracy 0.906977 < 0.99)"
    assert "nothing registered" in result.stdout


def test_definition_uses_the_platform_role_bucket_and_key(run: Run, platform: Platform, tmp_path: Path) -> None:
    target = tmp_path / "definition.json"
    result = run("pipeline", "definition", "--normalized", "--file-name", str(target))
    assert result.exit_code == 0, result.stderr
    definition = json.loads(target.read_text())
    steps = {s["Name"]: s["Arguments"] for s in definition["Steps"]}
    assert steps["Train"]["RoleArn"] == platform.outputs["SageMakerPipelineRoleArn"]
    assert steps["Train"]["OutputDataConfig"]["KmsKeyId"] == platform.outputs["ArtifactsKeyArn"]
    assert steps["Preprocess"]["ProcessingInputs"][-1]["S3Input"]["S3Uri"] == (
        f"s3://{platform.outputs['ArtifactsBucketName']}/mlops-model-build/code/<sha256>/preprocess.py")
    register = next(s for s in definition["Steps"] if s["Type"] == "Condition")["Arguments"]["IfSteps"][0]["Arguments"]
    assert register["ModelPackageGroupName"] == "mlops-models"


def test_upsert_creates_the_pipeline_and_starts_it_with_overrides(run: Run, platform: Platform) -> None:
    result = run("pipeline", "upsert", "--start", "--parameter", "MinAccuracy=0.8", "--output", "json")
    assert result.exit_code == 0, result.stderr
    upserted = json.loads(result.stdout)
    assert upserted["created"] is True and upserted["pipeline_arn"].endswith(":pipeline/mlops-model-build")
    sm = platform.client("sagemaker")
    described = sm.describe_pipeline(PipelineName="mlops-model-build")
    assert described["RoleArn"] == platform.outputs["SageMakerPipelineRoleArn"]
    assert {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=upserted["pipeline_arn"])["Tags"]} == {
        "owner": "platform-team", "project": "mlops", "environment": "dev"}
    assert sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=upserted["execution_arn"])["PipelineParameters"] == [
        {"Name": "MinAccuracy", "Value": "0.8"}]
    again = json.loads(run("pipeline", "upsert", "--output", "json").stdout)
    assert again == {"pipeline_arn": upserted["pipeline_arn"], "created": False}


@pytest.mark.parametrize(("args", "message"), [
    (("--start", "--parameter", "MinAcuracy=0.8"), "error: unknown pipeline parameter(s) MinAcuracy; the pipeline declares "),
    (("--parameter", "MinAccuracy=0.8"), "error: --parameter applies to an execution: add --start\n"),
    (("--start", "--parameter", "MinAccuracy"), "error: --parameter must be NAME=VALUE, got 'MinAccuracy'\n"),
    (("--kwargs", "[1]"), "error: --kwargs must be a JSON object, got list\n"),
], ids=["unknown-parameter", "parameter-without-start", "malformed-parameter", "kwargs-not-object"])
def test_upsert_errors(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run("pipeline", "upsert", *args)
    assert result.exit_code == 2 and result.stderr.startswith(message)


def test_push_starts_the_model_build_ci(run: Run, platform: Platform, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "buildspec.yml").write_text("version: 0.2\nphases:\n  build:\n    commands:\n      - echo build\n")
    (repo / "README.md").write_text("model build\n")
    pushed = run("pipeline", "push", "--source", str(repo), "--output", "json")
    assert pushed.exit_code == 0, pushed.stderr
    push = json.loads(pushed.stdout)
    assert push["pipeline"] == "mlops-modelbuild"
    codepipeline = platform.client("codepipeline")
    execution = codepipeline.get_pipeline_execution(pipelineName="mlops-modelbuild", pipelineExecutionId=push["execution_id"])
    assert execution["pipelineExecution"]["trigger"] == {
        "triggerType": "CloudWatchEvent", "triggerDetail": "arn:aws:events:us-east-1:123456789012:rule/mlops-modelbuild-on-push"}
    status = wait_for(lambda: (s := json.loads(run("pipeline", "status", "--output", "json").stdout))["ci"]["stages"][1]["actions"][0][
        "status"] not in {"-", "InProgress"} and s)
    source = status["ci"]["stages"][0]["actions"][0]
    assert (source["name"], source["status"], source["summary"]) == ("Code", "Succeeded", f"Amazon S3 version id: {push['source_version']}")
    assert status["ci"]["revisions"] == [push["source_version"]]


def test_push_needs_a_model_build_repository(run: Run, tmp_path: Path) -> None:
    result = run("pipeline", "push", "--source", str(tmp_path))
    assert result.exit_code == 2 and result.stderr == f"error: {tmp_path} is not a model-build repository: buildspec.yml missing\n"


def test_approve_and_reject_versions_by_number(run: Run, platform: Platform) -> None:
    registered = json.loads(run("pipeline", "run", "--local", "--output", "json").stdout)
    version = int(registered["model_package_arn"].rsplit("/", 1)[1])
    approved = run("model", "approve", "--version", str(version), "--description", "reviewed", "--output", "json")
    assert approved.exit_code == 0, approved.stderr
    assert json.loads(approved.stdout) == {"model_package_arn": registered["model_package_arn"], "version": version,
                                           "status": "Approved", "description": "reviewed"}
    rejected = json.loads(run("model", "reject", "--version", str(version), "--description", "drift", "--output", "json").stdout)
    assert (rejected["status"], rejected["description"]) == ("Rejected", "drift")
    missing = run("model", "approve", "--version", "999")
    assert missing.exit_code == 2 and missing.stderr.startswith("error: mlops-models has no version 999; versions: 1")


def test_upload_data_refuses_a_file_without_a_target_column(run: Run, platform: Platform, tmp_path: Path) -> None:
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("a,b\n" + "1,2\n" * 50)
    result = run("pipeline", "upload-data", "--data", str(unlabelled))
    assert result.exit_code == 2, result.stdout
    assert result.stderr.splitlines()[-1] == f"error: {unlabelled} has no 'target' column in its header (the preprocessing step needs one)"
    listed = platform.client("s3").list_objects_v2(Bucket=platform.outputs["ArtifactsBucketName"], Prefix="mlops/data/")
    assert "Contents" not in listed


def test_run_in_sagemaker_executes_every_step_as_the_platform_role(run: Run, platform: Platform) -> None:
    uploaded = run("pipeline", "upload-data", "--output", "json")
    assert uploaded.exit_code == 0, uploaded.stderr
    assert json.loads(uploaded.stdout) == {"url": f"s3://{platform.outputs['ArtifactsBucketName']}/mlops/data/data.csv", "rows": 569}
    result = run("pipeline", "run", "--output", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "Succeeded"
    assert [s["name"] for s in summary["steps"] if s["name"] != "Register-RepackModel-Model"] == [
        "Preprocess", "Train", "Evaluate", "AccuracyGate", "Register"]
    status = json.loads(run("pipeline", "status", "--output", "json").stdout)
    assert status["latest"]["arn"] == summary["execution_arn"] and status["latest"]["status"] == "Succeeded"
    assert all(step["duration"] for step in status["latest"]["steps"])
    newest = json.loads(run("pipeline", "list-models", "--output", "json").stdout)[0]
    assert newest["status"] == "PendingManualApproval" and newest["metrics"]["accuracy"] >= 0.9


def test_a_failing_execution_fails_the_command_naming_the_step(run: Run) -> None:
    result = run("pipeline", "run", "--min-accuracy", "1")  # no model is that accurate: the gate takes the Fail branch
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "error: execution Failed: Step failure: One or multiple steps failed."
    steps = json.loads(run("pipeline", "status", "--output", "json").stdout)["latest"]["steps"]
    assert [(s["name"], s["status"], s["failure_reason"]) for s in steps][-2:] == [
        ("AccuracyGate", "Succeeded", None), ("TooInaccurate", "Failed", "Accuracy below the MinAccuracy threshold")]
