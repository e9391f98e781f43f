"""``run_locally``: the real steps on real data, then a real registration in the embedded model registry."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from embedded_aws import EmbeddedAws
from pipelines.local_run import run_locally


def _data(tmp_path: Path, shuffle: bool = False) -> Path:
    frame = load_breast_cancer(as_frame=True).frame
    if shuffle:
        frame["target"] = np.random.default_rng(0).permutation(frame["target"].to_numpy())
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def clients(aws: EmbeddedAws) -> tuple:
    aws.client("s3").create_bucket(Bucket="artifacts")
    return aws.client("s3"), aws.client("sagemaker")


def test_good_data_registers_a_pending_model_with_metrics(tmp_path: Path, clients: tuple) -> None:
    s3, sm = clients
    steps: list[str] = []
    run = run_locally(_data(tmp_path), s3, sm, "artifacts", "mlops-models", "us-east-1", progress=steps.append)
    assert run.passed and run.metrics["binary_classification_metrics"]["accuracy"]["value"] >= 0.9
    assert steps[:3] == ["Preprocess", "Train", "Evaluate"] and steps[-1] == "Register"
    [package] = sm.list_model_packages(ModelPackageGroupName="mlops-models")["ModelPackageSummaryList"]
    assert package["ModelApprovalStatus"] == "PendingManualApproval" and package["ModelPackageArn"] == run.model_package_arn
    described = sm.describe_model_package(ModelPackageName=run.model_package_arn)
    [container] = described["InferenceSpecification"]["Containers"]
    assert container["ModelDataUrl"] == run.model_url and run.model_url.startswith("s3://artifacts/local-runs/mlops-models/")
    assert container["Environment"] == {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                                        "SAGEMAKER_REGION": "us-east-1"}
    archive = tmp_path / "packed.tar.gz"
    s3.download_file("artifacts", run.model_url.split("artifacts/", 1)[1], str(archive))
    with tarfile.open(archive) as packed:
        assert sorted(packed.getnames()) == ["code/inference.py", "model.joblib"]
    statistics = described["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["S3Uri"] == run.model_url.replace("model.tar.gz", "evaluation.json")


def test_each_run_keeps_its_own_model(tmp_path: Path, clients: tuple) -> None:
    s3, sm = clients
    first = run_locally(_data(tmp_path), s3, sm, "artifacts", "mlops-models", "us-east-1", n_estimators=20, min_accuracy=0.5)
    second = run_locally(_data(tmp_path), s3, sm, "artifacts", "mlops-models", "us-east-1", n_estimators=20, min_accuracy=0.5)
    assert first.model_url != second.model_url
    urls = {sm.describe_model_package(ModelPackageName=arn)["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
            for arn in (first.model_package_arn, second.model_package_arn)}
    assert urls == {first.model_url, second.model_url}


def test_noise_stops_at_the_gate_and_registers_nothing(tmp_path: Path, clients: tuple) -> None:
    s3, sm = clients
    run = run_locally(_data(tmp_path, shuffle=True), s3, sm, "artifacts", "mlops-models", "us-east-1")
    assert (run.passed, run.model_package_arn) == (False, None)
    with pytest.raises(sm.exceptions.ClientError):
        sm.describe_model_package_group(ModelPackageGroupName="mlops-models")
