"""Defaults of the model-build pipeline that tools read without importing the SageMaker SDK."""

from __future__ import annotations


def default_input_data_url(bucket: str, base_job_prefix: str = "mlops") -> str:
    """Where the pipeline reads its labelled CSV unless ``InputDataUrl`` is given."""
    return f"s3://{bucket}/{base_job_prefix}/data/data.csv"
