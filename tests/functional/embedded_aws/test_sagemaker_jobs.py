"""Processing and training jobs run their entrypoint with the container conventions, as the job role."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import event_queue, queued_events, sagemaker_role, trust_policy, wait_for

TRAIN = """
import json, os, sys
hp = json.load(open("/opt/ml/input/config/hyperparameters.json"))
rows = open(os.path.join("/opt/ml/input/data/train", "rows.csv")).read().split()
if hp.get("fail") == "yes":
    open("/opt/ml/output/failure", "w").write("ValueError: the data has no target column")
    sys.exit(3)
os.makedirs("/opt/ml/model", exist_ok=True)
open("/opt/ml/model/model.txt", "w").write(f"{len(rows)} rows, depth {hp['depth']}")
print(f"epoch=1 loss=0.50")
print(f"epoch=2 loss=0.25")
"""
PROCESS = """
import pathlib
rows = pathlib.Path("/opt/ml/processing/input/rows.csv").read_text().split()
out = pathlib.Path("/opt/ml/processing/out")
(out / "count.txt").write_text(str(len(rows)))
"""


@pytest.fixture
def bucket(aws: EmbeddedAws) -> str:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="jobs")
    s3.put_object(Bucket="jobs", Key="code/train.py", Body=TRAIN.encode())
    s3.put_object(Bucket="jobs", Key="code/process.py", Body=PROCESS.encode())
    s3.put_object(Bucket="jobs", Key="data/rows.csv", Body=b"a\nb\nc\n")
    return "jobs"


def _training(role: str, name: str = "train-1", **hyperparameters: str) -> dict:
    return {
        "TrainingJobName": name, "RoleArn": role, "HyperParameters": {"depth": "3", **hyperparameters},
        "AlgorithmSpecification": {"TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                                   "TrainingInputMode": "File", "ContainerEntrypoint": ["python3", "/opt/ml/input/data/code/train.py"],
                                   "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}]},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://jobs/data"}}},
                            {"ChannelName": "code", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://jobs/code/train.py"}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://jobs/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def _done(sm: object, name: str) -> dict:
    return wait_for(lambda: (d := sm.describe_training_job(TrainingJobName=name))["TrainingJobStatus"] != "InProgress" and d,  # type: ignore[attr-defined]
                    timeout=60)


def test_training_runs_the_entrypoint_packs_the_model_and_reports_metrics(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    queue = event_queue(aws, "jobs", {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Training Job State Change"]})
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    sm.create_training_job(**_training(role))
    assert sm.describe_training_job(TrainingJobName="train-1")["TrainingJobStatus"] == "InProgress"
    described = _done(sm, "train-1")
    assert described["TrainingJobStatus"] == "Completed" and "FailureReason" not in described
    assert described["ModelArtifacts"] == {"S3ModelArtifacts": "s3://jobs/models/train-1/output/model.tar.gz"}
    [metric] = described["FinalMetricDataList"]
    assert (metric["MetricName"], metric["Value"]) == ("loss", 0.25)
    assert [t["Status"] for t in described["SecondaryStatusTransitions"]] == ["Starting", "Downloading", "Completed"]
    body = s3.get_object(Bucket="jobs", Key="models/train-1/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert archive.extractfile("model.txt").read() == b"3 rows, depth 3"  # type: ignore[union-attr]
    events = wait_for(lambda: (found := queued_events(aws, queue)) and len(found) >= 2 and found, timeout=10)
    assert [e["detail"]["TrainingJobStatus"] for e in events] == ["InProgress", "Completed"]
    logs = aws.client("logs")
    [stream] = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs")["logStreams"]
    assert stream["logStreamName"].startswith("train-1/algo-1-")
    messages = [e["message"] for e in logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                                          logStreamName=stream["logStreamName"])["events"]]
    assert messages == ["epoch=1 loss=0.50", "epoch=2 loss=0.25"]


def test_a_failing_script_fails_the_job_with_its_failure_file(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    sm = aws.client("sagemaker")
    sm.create_training_job(**_training(role, fail="yes"))
    described = _done(sm, "train-1")
    assert described["TrainingJobStatus"] == "Failed"
    assert described["FailureReason"] == "AlgorithmError: ValueError: the data has no target column, exit code: 3"
    assert "ModelArtifacts" not in described
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket="jobs", Prefix="models/")


def test_a_job_relying_on_the_images_default_entrypoint_fails_saying_so(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    sm = aws.client("sagemaker")
    request = _training(role)
    del request["AlgorithmSpecification"]["ContainerEntrypoint"]
    sm.create_training_job(**request)
    described = _done(sm, "train-1")
    assert (described["TrainingJobStatus"], described["FailureReason"]) == (
        "Failed", "ClientError: the embedded AWS runs training jobs whose AlgorithmSpecification names a ContainerEntrypoint "
                  "(it does not pull the image to read its default)")
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket="jobs", Prefix="models/")


def test_the_job_role_reads_the_data_or_the_job_fails(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs", actions=("sagemaker:*",))
    sm = aws.client("sagemaker")
    sm.create_training_job(**_training(role))
    described = _done(sm, "train-1")
    assert described["TrainingJobStatus"] == "Failed"
    assert described["FailureReason"].startswith("ClientError: cannot read s3://jobs/data: ")
    assert "s3:ListBucket" in described["FailureReason"]


def test_a_role_sagemaker_cannot_assume_and_a_reused_name_are_refused(aws: EmbeddedAws, bucket: str) -> None:
    iam, sm = aws.client("iam"), aws.client("sagemaker")
    lambda_role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    with pytest.raises(ClientError) as refused:
        sm.create_training_job(**_training(lambda_role))
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == (
        f"Could not assume role {lambda_role}. Please ensure that the role exists and allows principal "
        "'sagemaker.amazonaws.com' to assume the role.")
    role = sagemaker_role(aws, "jobs")
    sm.create_training_job(**_training(role))
    with pytest.raises(ClientError) as reused:
        sm.create_training_job(**_training(role))
    assert reused.value.response["Error"]["Code"] == "ResourceInUse"
    _done(sm, "train-1")


def test_processing_downloads_inputs_and_uploads_outputs_at_the_end(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    sm.create_processing_job(
        ProcessingJobName="count", RoleArn=role,
        AppSpecification={"ImageUri": "image", "ContainerEntrypoint": ["python3", "/opt/ml/processing/code/process.py"]},
        ProcessingInputs=[
            {"InputName": "rows", "S3Input": {"S3Uri": "s3://jobs/data/rows.csv", "LocalPath": "/opt/ml/processing/input",
                                              "S3DataType": "S3Prefix", "S3InputMode": "File"}},
            {"InputName": "code", "S3Input": {"S3Uri": "s3://jobs/code/process.py", "LocalPath": "/opt/ml/processing/code",
                                              "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
        ProcessingOutputConfig={"Outputs": [{"OutputName": "out", "S3Output": {
            "S3Uri": "s3://jobs/counted", "LocalPath": "/opt/ml/processing/out", "S3UploadMode": "EndOfJob"}}]},
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}})
    described = wait_for(lambda: (d := sm.describe_processing_job(ProcessingJobName="count"))["ProcessingJobStatus"] != "InProgress"
                         and d, timeout=60)
    assert described["ProcessingJobStatus"] == "Completed"
    assert s3.get_object(Bucket="jobs", Key="counted/count.txt")["Body"].read() == b"3"


def test_without_the_extension_a_job_completes_without_running(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    with extensions.disabled("sagemaker-jobs"):  # (pipeline executions, which require it, are off too)
        sm = aws.client("sagemaker")
        sm.create_training_job(**_training(role))
        assert sm.describe_training_job(TrainingJobName="train-1")["TrainingJobStatus"] == "Completed"
        assert "Contents" not in aws.client("s3").list_objects_v2(Bucket="jobs", Prefix="models/")


SLEEP = "import time\ntime.sleep(60)\n"


def _sleeping_processing(role: str, name: str) -> dict:
    return {"ProcessingJobName": name, "RoleArn": role,
            "AppSpecification": {"ImageUri": "image", "ContainerEntrypoint": ["python3", "/opt/ml/processing/code/sleep.py"]},
            "ProcessingInputs": [{"InputName": "code", "S3Input": {"S3Uri": "s3://jobs/code/sleep.py", "LocalPath": "/opt/ml/processing/code",
                                                                   "S3DataType": "S3Prefix", "S3InputMode": "File"}}],
            "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}}}


def test_a_stopped_job_ends_stopped(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    sm = aws.client("sagemaker")
    aws.client("s3").put_object(Bucket="jobs", Key="code/sleep.py", Body=SLEEP.encode())
    sm.create_processing_job(**_sleeping_processing(role, "sleepy"))
    sm.stop_processing_job(ProcessingJobName="sleepy")
    assert sm.describe_processing_job(ProcessingJobName="sleepy")["ProcessingJobStatus"] in ("Stopping", "Stopped")
    wait_for(lambda: sm.describe_processing_job(ProcessingJobName="sleepy")["ProcessingJobStatus"] == "Stopped", timeout=20)


def test_a_stopped_pipeline_execution_stops_its_running_step(aws: EmbeddedAws, bucket: str) -> None:
    role = sagemaker_role(aws, "jobs")
    sm = aws.client("sagemaker")
    aws.client("s3").put_object(Bucket="jobs", Key="code/sleep.py", Body=SLEEP.encode())
    arguments = {k: v for k, v in _sleeping_processing(role, "x").items() if k != "ProcessingJobName"}
    definition = {"Version": "2020-12-01", "Steps": [{"Name": "Sleep", "Type": "Processing", "Arguments": arguments},
                                                     {"Name": "After", "Type": "Fail", "DependsOn": ["Sleep"], "Arguments": {"ErrorMessage": "no"}}]}
    sm.create_pipeline(PipelineName="sleepy", PipelineDefinition=json.dumps(definition), RoleArn=role)
    arn = sm.start_pipeline_execution(PipelineName="sleepy")["PipelineExecutionArn"]
    wait_for(lambda: sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"], timeout=10)
    sm.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken="stop-1" * 6)
    assert sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] in ("Stopping", "Stopped")
    wait_for(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] == "Stopped", timeout=30)
    [step] = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    assert (step["StepName"], step["StepStatus"]) == ("Sleep", "Stopped") and "FailureReason" not in step
