"""The steps of a definition and what each waits for.

A step waits for the steps it names in ``DependsOn``, the steps whose properties it reads, and — for a step listed
in a ConditionStep's ``IfSteps``/``ElseSteps`` — the condition, which decides whether it runs at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from embedded_aws.pipeline_engine.expressions import ExpressionError, references

#: Step types the engine runs; others fail the execution with a clear reason.
SUPPORTED = ("Processing", "Training", "Condition", "Fail", "RegisterModel", "Model", "CreateModel")


@dataclass
class Step:
    name: str
    type: str
    arguments: dict[str, Any]
    definition: dict[str, Any]
    waits_for: set[str] = field(default_factory=set)
    #: ``(condition step, "If" | "Else")`` for a step inside a condition's branch.
    branch: tuple[str, str] | None = None


@dataclass
class Graph:
    steps: dict[str, Step]
    parameters: list[dict[str, Any]]


def read(definition: str | dict[str, Any]) -> Graph:
    """Every step (branch steps included) with its dependencies; duplicate or unknown names are errors."""
    document = json.loads(definition) if isinstance(definition, str) else definition
    steps: dict[str, Step] = {}

    def add(raw: dict[str, Any], branch: tuple[str, str] | None) -> None:
        name = str(raw["Name"])
        if name in steps:
            raise ExpressionError(f"step name {name} is used twice")
        steps[name] = Step(name, str(raw["Type"]), raw.get("Arguments") or {}, raw, branch=branch)
        for side in ("If", "Else"):
            for inner in (raw.get("Arguments") or {}).get(f"{side}Steps", []) if raw["Type"] == "Condition" else []:
                add(inner, (name, side))

    for raw in document.get("Steps", []):
        add(raw, None)
    for step in steps.values():
        arguments = {k: v for k, v in step.arguments.items() if k not in ("IfSteps", "ElseSteps")}
        step.waits_for = set(step.definition.get("DependsOn") or []) | references(arguments)
        if step.branch:
            step.waits_for.add(step.branch[0])
        unknown = sorted(step.waits_for - set(steps))
        if unknown:
            raise ExpressionError(f"step {step.name} depends on {', '.join(unknown)}, which the pipeline does not have")
    return Graph(steps, list(document.get("Parameters", [])))


def typed_parameters(declared: list[dict[str, Any]], given: dict[str, str]) -> dict[str, Any]:
    """Parameter values for an execution: the given ones (strings, as the API takes them) or the defaults, typed."""
    values: dict[str, Any] = {}
    for parameter in declared:
        name, kind = parameter["Name"], parameter.get("Type", "String")
        if name in given:
            raw: Any = given[name]
        elif "DefaultValue" in parameter:
            raw = parameter["DefaultValue"]
        else:
            raise ExpressionError(f"parameter {name} has no value and no default")
        try:
            if kind == "Integer":
                values[name] = int(raw)
            elif kind == "Float":
                values[name] = float(raw)
            elif kind == "Boolean":
                values[name] = raw if isinstance(raw, bool) else str(raw).lower() == "true"
            else:
                values[name] = str(raw)
        except ValueError as exc:
            raise ExpressionError(f"parameter {name} must be {kind}, got {raw!r}") from exc
    return values
