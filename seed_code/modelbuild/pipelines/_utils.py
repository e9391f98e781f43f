"""Helpers of the seed-code contract: load ``<module>.get_pipeline(**kwargs)`` with JSON kwargs."""

from __future__ import annotations

import importlib
import json
import os
from typing import Any


def parse_kwargs(text: str | None) -> dict[str, Any]:
    """``--kwargs`` as JSON (``true``/``null`` work, unlike the seed code's ``ast.literal_eval``)."""
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"--kwargs must be a JSON object, got {type(value).__name__}")
    return value


def get_pipeline_driver(module_name: str, kwargs: dict[str, Any]) -> Any:
    """The pipeline built by ``module_name.get_pipeline(**kwargs)``.

    The SageMaker SDK needs a region when it is imported: the ``region`` argument provides it.
    """
    if kwargs.get("region"):
        os.environ.setdefault("AWS_DEFAULT_REGION", str(kwargs["region"]))
    return importlib.import_module(module_name).get_pipeline(**kwargs)
