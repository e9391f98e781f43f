"""The model-build pipeline executes on the embedded AWS: every step runs, the gate decides, the model is registered."""

from __future__ import annotations

import json
from typing import Any

from embedded_aws import EmbeddedAws
from support import event_queue, queued_events, wait_for

ROLE = "arn:aws:iam::123456789012:role/pipeline"
BROKEN_TRAIN = "raise RuntimeError('the training data is unusable')\n"


def _pipeline(aws: EmbeddedAws) -> dict[str, Any]:
    """Create the model-build pipeline (definition from the SDK) and its model package group; the definition."""
    from pipelines.modelbuild.pipeline import get_pipeline

    pipeline = get_pipeline("us-east-1", ROLE, "artifacts")
    definition = pipeline.definition()
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="mlops-models")
    sm.create_pipeline(PipelineName=pipeline.name, PipelineDefinition=definition, RoleArn=ROLE)
    return dict(json.loads(definition))


def _execute(aws: EmbeddedAws, **parameters: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sm = aws.client("sagemaker")
    arn = sm.start_pipeline_execution(PipelineName="mlops-model-build", PipelineParameters=[
        {"Name": k, "Value": str(v)} for k, v in parameters.items()])["PipelineExecutionArn"]
    assert sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] == "Executing"
    described = wait_for(lambda: (d := sm.describe_pipeline_execution(PipelineExecutionArn=arn))["PipelineExecutionStatus"]
                         != "Executing" and d, timeout=120, interval=0.3)
    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")["PipelineExecutionSteps"]
    return described, steps


def test_a_run_registers_a_version_whose_metrics_come_from_the_evaluation_that_ran(sdk_env: EmbeddedAws) -> None:
    aws = sdk_env
    _pipeline(aws)
    queue = event_queue(aws, "executions", {"source": ["aws.sagemaker"],
                                            "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"]})
    described, steps = _execute(aws)
    assert described["PipelineExecutionStatus"] == "Succeeded" and "FailureReason" not in described
    by_name = {s["StepName"]: s for s in steps}
    assert set(by_name) == {"Preprocess", "Train", "Evaluate", "Register-RepackModel-Model", "AccuracyGate", "Register"}
    assert all(s["StepStatus"] == "Succeeded" for s in steps) and steps[0]["StepName"] == "Preprocess"
    assert by_name["AccuracyGate"]["Metadata"] == {"Condition": {"Outcome": "true"}}

    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    evaluation_job = by_name["Evaluate"]["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[-1]
    assert evaluation_job.startswith("pipelines-" + described["PipelineExecutionArn"].rsplit("/", 1)[-1] + "-Evaluate-")
    [output] = sm.describe_processing_job(ProcessingJobName=evaluation_job)["ProcessingOutputConfig"]["Outputs"]
    package_arn = by_name["Register"]["Metadata"]["RegisterModel"]["Arn"]
    package = sm.describe_model_package(ModelPackageName=package_arn)
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    statistics = package["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    assert statistics == output["S3Output"]["S3Uri"] + "/evaluation.json"
    bucket, key = statistics[len("s3://"):].split("/", 1)
    report = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert 0.9 <= report["binary_classification_metrics"]["accuracy"]["value"] <= 1.0  # computed on the held-out split

    train_job = by_name["Train"]["Metadata"]["TrainingJob"]["Arn"].rsplit("/", 1)[-1]
    repacked = package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    assert repacked.startswith("s3://artifacts/mlops/mlops-model-build/packed-model/")
    assert sm.describe_training_job(TrainingJobName=train_job)["TrainingJobStatus"] == "Completed"
    events = wait_for(lambda: (found := queued_events(aws, queue)) and len(found) >= 2 and found, timeout=10)
    assert [e["detail"]["currentPipelineExecutionStatus"] for e in events] == ["Executing", "Succeeded"]


def test_a_broken_train_script_fails_the_execution_naming_the_train_step(sdk_env: EmbeddedAws) -> None:
    aws = sdk_env
    definition = _pipeline(aws)
    [train] = [s for s in definition["Steps"] if s["Name"] == "Train"]
    [code] = [c for c in train["Arguments"]["InputDataConfig"] if c["ChannelName"] == "code"]
    bucket, prefix = code["DataSource"]["S3DataSource"]["S3Uri"][len("s3://"):].split("/", 1)
    aws.client("s3").put_object(Bucket=bucket, Key=f"{prefix}/train.py", Body=BROKEN_TRAIN.encode())
    described, steps = _execute(aws)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert described["FailureReason"] == "Step failure: One or multiple steps failed."
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [("Preprocess", "Succeeded"), ("Train", "Failed")]
    reason = steps[1]["FailureReason"]  # the SDK's driver writes the failure file: the command that failed
    assert reason.startswith("AlgorithmError: ") and "train.py', '--n_estimators', '100'" in reason and reason.endswith("exit code: 1")
    job = steps[1]["Metadata"]["TrainingJob"]["Arn"].rsplit("/", 1)[-1]
    logs = aws.client("logs")
    [stream] = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=job)["logStreams"]
    lines = [e["message"] for e in logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                                       logStreamName=stream["logStreamName"])["events"]]
    assert "RuntimeError: the training data is unusable" in lines  # the script's own error, in the job's log
    assert aws.client("sagemaker").list_model_packages(ModelPackageGroupName="mlops-models")["ModelPackageSummaryList"] == []


def test_accuracy_below_min_accuracy_takes_the_fail_branch_and_registers_nothing(sdk_env: EmbeddedAws) -> None:
    aws = sdk_env
    _pipeline(aws)
    described, steps = _execute(aws, MinAccuracy=1.01)
    assert described["PipelineExecutionStatus"] == "Failed"
    by_name = {s["StepName"]: s for s in steps}
    assert "Register" not in by_name
    assert by_name["AccuracyGate"]["StepStatus"] == "Succeeded"
    assert by_name["AccuracyGate"]["Metadata"] == {"Condition": {"Outcome": "false"}}
    assert by_name["TooInaccurate"]["StepStatus"] == "Failed"
    assert by_name["TooInaccurate"]["FailureReason"] == "Accuracy below the MinAccuracy threshold"
    assert by_name["TooInaccurate"]["Metadata"] == {"Fail": {"ErrorMessage": "Accuracy below the MinAccuracy threshold"}}
    assert aws.client("sagemaker").list_model_packages(ModelPackageGroupName="mlops-models")["ModelPackageSummaryList"] == []
