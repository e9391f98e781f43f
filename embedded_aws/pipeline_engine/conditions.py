"""A ConditionStep's conditions, evaluated as SageMaker Pipelines does (all of them must hold)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from embedded_aws.pipeline_engine.expressions import ExpressionError, Scope, resolve

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq, "GreaterThan": operator.gt, "GreaterThanOrEqualTo": operator.ge,
    "LessThan": operator.lt, "LessThanOrEqualTo": operator.le,
}


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Numbers compare as numbers (a JSON metric against a Float parameter); anything else as it is."""
    if isinstance(left, (int, float)) and not isinstance(left, bool) and isinstance(right, str):
        return left, float(right)
    if isinstance(right, (int, float)) and not isinstance(right, bool) and isinstance(left, str):
        return float(left), right
    return left, right


def holds(condition: dict[str, Any], scope: Scope) -> bool:
    """Whether one condition holds; an unknown type or incomparable values are an :class:`ExpressionError`."""
    kind = condition.get("Type")
    if kind in _COMPARISONS:
        left, right = resolve(condition.get("LeftValue"), scope), resolve(condition.get("RightValue"), scope)
        try:
            return bool(_COMPARISONS[kind](*_comparable(left, right)))
        except (TypeError, ValueError) as exc:
            raise ExpressionError(f"cannot compare {left!r} with {right!r} ({kind})") from exc
    if kind == "In":
        value = resolve(condition.get("QueryValue"), scope)
        return value in [resolve(item, scope) for item in condition.get("Values", [])]
    if kind == "Not":
        return not holds(condition["Condition"], scope)
    if kind == "Or":
        return any(holds(item, scope) for item in condition.get("Conditions", []))
    raise ExpressionError(f"unknown condition type {kind!r}")


def all_hold(conditions: list[dict[str, Any]], scope: Scope) -> bool:
    return all(holds(condition, scope) for condition in conditions)
