"""Evaluate identity policies the way IAM does for one request: explicit Deny, then Allow, else implicit deny.

Covers what the platform's policies use: Action/NotAction and Resource/NotResource with wildcards, and the
condition operators String(Not)Equals, String(Not)Like, Arn(Not)Like/Equals, Bool and Null, each optionally
``...IfExists``; multi-valued context keys need ``ForAnyValue:``/``ForAllValues:``. Anything else is refused
(``UnsupportedCondition``) rather than guessed. Used to prove the guardrails deny what they must, offline.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"


class UnsupportedCondition(ValueError):
    """A condition operator this evaluator does not implement."""


@dataclass(frozen=True)
class Decision:
    result: str
    statement: str | None = None  # the Sid (or index) that decided

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED


def evaluate(policies: Sequence[Mapping[str, Any]], action: str, resource: str = "*",
             context: Mapping[str, str | Sequence[str]] | None = None) -> Decision:
    """The decision for ``action`` on ``resource`` with the request ``context`` (condition keys → values)."""
    values = {k.lower(): ([v] if isinstance(v, str) else list(v)) for k, v in (context or {}).items()}
    allowed_by = None
    for policy in policies:
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        for index, statement in enumerate(statements):
            if not _applies(statement, action, resource, values):
                continue
            name = statement.get("Sid", str(index))
            if statement["Effect"] == "Deny":
                return Decision(EXPLICIT_DENY, name)
            allowed_by = allowed_by or name
    return Decision(ALLOWED, allowed_by) if allowed_by else Decision(IMPLICIT_DENY)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _matches(patterns: list[str], value: str, case_sensitive: bool) -> bool:
    if case_sensitive:
        return any(fnmatch.fnmatchcase(value, p) for p in patterns)
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: dict[str, list[str]]) -> bool:
    if "Action" in statement and not _matches(_listed(statement["Action"]), action, False):
        return False
    if "NotAction" in statement and _matches(_listed(statement["NotAction"]), action, False):
        return False
    if "Resource" in statement and not _matches(_listed(statement["Resource"]), resource, True):
        return False
    if "NotResource" in statement and _matches(_listed(statement["NotResource"]), resource, True):
        return False
    return all(_condition(operator, key, _listed(values), context)
               for operator, keys in (statement.get("Condition") or {}).items() for key, values in keys.items())


def _condition(operator: str, key: str, expected: list[str], context: dict[str, list[str]]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    actual = context.get(key.lower())
    if name == "Null":
        return (actual is None) == (expected[0].lower() == "true")
    if actual is None:
        return if_exists or name.startswith(("StringNot", "ArnNot"))  # a negated operator matches an absent key
    test = _TESTS.get(name)
    if test is None:
        raise UnsupportedCondition(f"condition operator {operator} is not supported")
    negated = "Not" in name
    outcomes = [test(value, expected) for value in actual]
    if qualifier == "ForAllValues":
        return all(outcomes)
    if qualifier == "ForAnyValue" or not negated:
        return any(outcomes)
    return all(outcomes)


_TESTS = {
    "StringEquals": lambda v, e: v in e,
    "StringNotEquals": lambda v, e: v not in e,
    "StringEqualsIgnoreCase": lambda v, e: v.lower() in {x.lower() for x in e},
    "StringLike": lambda v, e: _matches(e, v, True),
    "StringNotLike": lambda v, e: not _matches(e, v, True),
    "ArnEquals": lambda v, e: v in e,
    "ArnNotEquals": lambda v, e: v not in e,
    "ArnLike": lambda v, e: _matches(e, v, True),
    "ArnNotLike": lambda v, e: not _matches(e, v, True),
    "Bool": lambda v, e: v.lower() in {x.lower() for x in e},
}
