"""Fixtures of the pipeline tests: SageMaker SDK clients pointed at the embedded AWS, a pipeline role and data."""

from __future__ import annotations

import io

import pytest
from sklearn.datasets import load_breast_cancer

from embedded_aws import EmbeddedAws
from support import sagemaker_role

ROLE = "arn:aws:iam::123456789012:role/pipeline"
DATA_KEY = "mlops/data/data.csv"  # the pipeline's default InputDataUrl with bucket "artifacts"


@pytest.fixture
def sdk_env(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> EmbeddedAws:
    """SDK clients reach the embedded AWS (AWS_ENDPOINT_URL) as the tooling admin; role ``pipeline`` and labelled data
    at the pipeline's default input exist, so executions run."""
    keys = aws.credentials["tooling"]
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys.secret_access_key)
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")  # the SDK's own role check is exercised in the model-build flows
    aws.client("s3").create_bucket(Bucket="artifacts")
    frame = io.StringIO()
    load_breast_cancer(as_frame=True).frame.to_csv(frame, index=False)
    aws.client("s3").put_object(Bucket="artifacts", Key=DATA_KEY, Body=frame.getvalue().encode())
    sagemaker_role(aws)
    return aws
