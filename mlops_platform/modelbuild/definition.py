"""Render the model-build pipeline for the deployed platform (its role, bucket, key, names)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

from mlops_runtime.contracts import ToolingOutputs

MODULE = "pipelines.modelbuild.pipeline"


def pipeline_kwargs(outputs: ToolingOutputs, region: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """``get_pipeline`` keyword arguments from the tooling stack's outputs; ``overrides`` win."""
    return {"region": region, "role": outputs.sagemaker_pipeline_role_arn, "default_bucket": outputs.artifacts_bucket_name,
            "pipeline_name": outputs.sagemaker_pipeline_name, "model_package_group_name": outputs.model_package_group_name,
            "kms_key": outputs.artifacts_key_arn, **(overrides or {})}


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the SDK (it builds its own clients) and restore them afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def render(kwargs: dict[str, Any], sdk_environment: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(pipeline name, definition) rendered with the SageMaker SDK; uploads the step code to the bucket."""
    from pipelines._utils import get_pipeline_driver

    with environment(sdk_environment):
        pipeline = get_pipeline_driver(MODULE, kwargs)
        return pipeline.name, json.loads(pipeline.definition())
