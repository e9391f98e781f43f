"""Run-time values of a pipeline definition: parameters, execution variables, step properties, functions.

A definition refers to values that exist only while it runs::

    {"Get": "Parameters.MinAccuracy"}
    {"Get": "Execution.PipelineExecutionId"}
    {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri"}
    {"Std:Join": {"On": "/", "Values": [...]}}
    {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"}, "Path": "a.b[0]"}}

A step's properties are its job's Describe response (``Outputs['test']`` picks the list item whose ``...Name`` is
``test``). A reference to something that does not exist fails the step that needs it, as SageMaker does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(?:'([^']*)'|\"([^\"]*)\"|(\d+))\]")


class ExpressionError(Exception):
    """A value the definition refers to cannot be computed (missing parameter, property or file)."""


@dataclass
class Scope:
    """What expressions may read while an execution runs."""

    parameters: Mapping[str, Any]
    execution: Mapping[str, Any]
    #: Step name → its properties (the job's Describe response, or the step's own outputs).
    properties: dict[str, Any] = field(default_factory=dict)
    #: ``(step, property file name)`` → the file's text; read lazily by ``read_property_file``.
    read_property_file: Callable[[str, str], str] = lambda step, name: _no_file(step, name)
    #: Text of an S3 object (``Std:JsonGet`` with ``S3Uri``).
    read_s3: Callable[[str], str] = lambda uri: _no_file("", uri)


def _no_file(step: str, name: str) -> str:
    raise ExpressionError(f"property file {name} of step {step} cannot be read")


def path_segments(path: str) -> list[str | int]:
    """``Outputs['test'].S3Output.S3Uri`` → ``["Outputs", "test", "S3Output", "S3Uri"]`` (``[0]`` gives ``0``)."""
    segments: list[str | int] = []
    position = 0
    for found in _SEGMENT.finditer(path):
        between = path[position:found.start()]
        if between not in ("", "."):
            raise ExpressionError(f"cannot read property path {path!r}")
        position = found.end()
        name, quoted, double_quoted, index = found.groups()
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(name if name is not None else quoted if quoted is not None else double_quoted)
    if path[position:] not in ("", "."):
        raise ExpressionError(f"cannot read property path {path!r}")
    return segments


def read_path(value: Any, segments: list[str | int], described: str) -> Any:
    """Follow ``segments`` into ``value``; a name applied to a list picks the item whose ``*Name`` key equals it."""
    current = value
    for segment in segments:
        if isinstance(segment, int) and isinstance(current, list) and segment < len(current):
            current = current[segment]
        elif isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and isinstance(segment, str):
            matches = [item for item in current if isinstance(item, dict)
                       and any(key.endswith("Name") and item[key] == segment for key in item)]
            if not matches:
                raise ExpressionError(f"{described} has no item named {segment!r}")
            current = matches[0]
        else:
            raise ExpressionError(f"{described} has no property {segment!r}")
    return current


def json_path(document: Any, path: str) -> Any:
    """The value at a dotted JsonGet path (``a.b[0].c``)."""
    return read_path(document, path_segments(path), "the property file")


def _get(reference: str, scope: Scope) -> Any:
    kind, _, rest = reference.partition(".")
    if kind == "Parameters":
        if rest not in scope.parameters:
            raise ExpressionError(f"the pipeline has no parameter {rest!r}")
        return scope.parameters[rest]
    if kind == "Execution":
        if rest not in scope.execution:
            raise ExpressionError(f"unknown execution variable {rest!r}")
        return scope.execution[rest]
    if kind == "Steps":
        segments = path_segments(rest)
        if not segments or not isinstance(segments[0], str):
            raise ExpressionError(f"cannot read {reference!r}")
        step = segments[0]
        if step not in scope.properties:
            raise ExpressionError(f"step {step} has not run, so {reference} has no value")
        if len(segments) == 3 and segments[1] == "PropertyFiles":
            return {"PropertyFile": (step, str(segments[2]))}
        return read_path(scope.properties[step], segments[1:], f"step {step}")
    raise ExpressionError(f"cannot read {reference!r}")


def resolve(value: Any, scope: Scope) -> Any:
    """``value`` with every expression in it replaced by what it computes to now."""
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Get"}:
        return _get(str(value["Get"]), scope)
    if set(value) == {"Std:Join"}:
        spec = value["Std:Join"]
        return str(spec.get("On", "")).join(_text(resolve(item, scope)) for item in spec.get("Values", []))
    if set(value) == {"Std:JsonGet"}:
        return _json_get(value["Std:JsonGet"], scope)
    return {key: resolve(item, scope) for key, item in value.items()}


def _json_get(spec: dict[str, Any], scope: Scope) -> Any:
    if "PropertyFile" in spec:
        reference = resolve(spec["PropertyFile"], scope)
        if not isinstance(reference, dict) or "PropertyFile" not in reference:
            raise ExpressionError("Std:JsonGet needs a property file of a step")
        step, name = reference["PropertyFile"]
        text = scope.read_property_file(step, name)
    else:
        text = scope.read_s3(_text(resolve(spec["S3Uri"], scope)))
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ExpressionError(f"the property file is not JSON: {exc}") from exc
    return json_path(document, str(spec["Path"]))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def references(value: Any) -> set[str]:
    """Names of the steps whose properties ``value`` reads (its data dependencies)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if set(value) == {"Get"} and str(value["Get"]).startswith("Steps."):
            segments = path_segments(str(value["Get"])[len("Steps."):])
            if segments and isinstance(segments[0], str):
                found.add(segments[0])
        else:
            for item in value.values():
                found |= references(item)
    return found
