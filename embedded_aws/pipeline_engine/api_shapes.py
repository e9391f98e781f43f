"""Resolved step arguments made into valid API requests: scalars converted to the types the API model declares.

A definition's ``{"Get": "Parameters.NumberOfTrees"}`` resolves to an integer, where CreateTrainingJob's
``HyperParameters`` take strings; SageMaker Pipelines converts, and so does this, by the botocore model.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.model import Shape


@functools.lru_cache(maxsize=None)
def _input_shape(service: str, operation: str) -> Shape:
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    assert shape is not None
    return shape


def coerce(shape: Shape, value: Any) -> Any:
    """``value`` with every scalar converted to ``shape``'s type (strings, integers, floats, booleans)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {key: coerce(members[key], item) if key in members else item for key, item in value.items()}
    if kind == "list" and isinstance(value, list):
        return [coerce(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {str(key): coerce(shape.value, item) for key, item in value.items()}
    if kind == "string" and isinstance(value, (bool, int, float)):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if kind in ("integer", "long") and isinstance(value, (str, float)) and not isinstance(value, bool):
        return int(float(value))
    if kind in ("float", "double") and isinstance(value, (str, int)) and not isinstance(value, bool):
        return float(value)
    if kind == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    return value


def request_for(service: str, operation: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` as a valid request of ``operation``."""
    return dict(coerce(_input_shape(service, operation), arguments))
