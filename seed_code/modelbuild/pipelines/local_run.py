"""Run the model-build steps on this machine, in dependency order, then register the model if it passes the gate.

The same step scripts as in SageMaker, in the same folder layout (``/opt/ml/processing/...`` becomes a
work folder). What local mode does not emulate: containers and their images, instance types,
distributed training, the pipeline service's caching, retries and lineage; the registration is a
real ``CreateModelPackage`` call against whatever SageMaker endpoint the clients point at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "modelbuild"
IMAGE = "683313688378.dkr.ecr.{region}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


SERVING_ENVIRONMENT = {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}


@dataclass(frozen=True)
class LocalRun:
    metrics: dict[str, Any]
    passed: bool
    model_package_arn: str | None
    model_url: str


def _step(script: str, *args: str, env: dict[str, str] | None = None) -> None:
    """Run a step script in its own interpreter, as the container would."""
    result = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{script} failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")


def _run_id() -> str:
    """Each run's artifacts get their own prefix: a registered package never points at a later run's model."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def _pack_for_serving(model_file: Path, target: Path) -> None:
    """What the pipeline's repack step does: the model plus ``code/inference.py`` for the serving container."""
    with tarfile.open(target, "w:gz") as archive:
        archive.add(model_file, arcname="model.joblib")
        archive.add(HERE / "inference.py", arcname="code/inference.py")


def run_locally(data_csv: Path, s3: Any, sagemaker: Any, bucket: str, model_package_group: str, region: str,
                min_accuracy: float = 0.9, n_estimators: int = 100, learning_rate: float = 0.1,
                progress: Callable[[str], None] = lambda _: None) -> LocalRun:
    """preprocess → train → evaluate → gate → register (PendingManualApproval) with model metrics."""

    with tempfile.TemporaryDirectory(prefix="modelbuild-") as work:
        base = Path(work)
        (base / "input").mkdir()
        (base / "input" / "data.csv").write_bytes(Path(data_csv).read_bytes())
        progress("Preprocess")
        _step("preprocess.py", "--base-dir", str(base))
        progress("Train")
        model_dir = base / "model-out"
        _step("train.py", "--n-estimators", str(n_estimators), "--learning-rate", str(learning_rate),
              env={**os.environ, "SM_CHANNEL_TRAIN": str(base / "train"), "SM_MODEL_DIR": str(model_dir)})
        (base / "model").mkdir()
        with tarfile.open(base / "model" / "model.tar.gz", "w:gz") as archive:
            archive.add(model_dir / "model.joblib", arcname="model.joblib")
        _pack_for_serving(model_dir / "model.joblib", base / "packed-model.tar.gz")
        progress("Evaluate")
        _step("evaluate.py", "--base-dir", str(base))
        metrics = json.loads((base / "evaluation" / "evaluation.json").read_text())
        accuracy = metrics["binary_classification_metrics"]["accuracy"]["value"]
        progress(f"AccuracyGate: {accuracy:.3f} >= {min_accuracy}?")
        key = f"local-runs/{model_package_group}/{_run_id()}"
        s3.upload_file(str(base / "packed-model.tar.gz"), bucket, f"{key}/model.tar.gz")
        s3.put_object(Bucket=bucket, Key=f"{key}/evaluation.json", Body=json.dumps(metrics).encode(), ContentType="application/json")
    model_url = f"s3://{bucket}/{key}/model.tar.gz"
    if accuracy < min_accuracy:
        return LocalRun(metrics, False, None, model_url)
    progress("Register")
    try:
        sagemaker.describe_model_package_group(ModelPackageGroupName=model_package_group)
    except sagemaker.exceptions.ClientError:
        sagemaker.create_model_package_group(ModelPackageGroupName=model_package_group, ModelPackageGroupDescription="Model build")
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=model_package_group, ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": IMAGE.format(region=region), "ModelDataUrl": model_url,
                                                "Environment": {**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": region}}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        ModelMetrics={"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": f"s3://{bucket}/{key}/evaluation.json"}}},
        CustomerMetadataProperties={"accuracy": str(accuracy), "source": "local-run"},
    )["ModelPackageArn"]
    return LocalRun(metrics, True, arn, model_url)
