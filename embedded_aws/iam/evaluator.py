"""Evaluate IAM policies the way IAM does for one request: explicit Deny, then Allow, else implicit deny.

One evaluator serves the embedded AWS (every request made with IAM user or role credentials) and the offline checks
of the platform's own policies. Covered:

- ``Action``/``NotAction`` (case-insensitive), ``Resource``/``NotResource`` and ``Principal``/``NotPrincipal``;
  wildcards are only ``*`` and ``?`` (``[`` is an ordinary character, as in IAM); an ARN pattern is matched segment by
  segment, so a wildcard in the region or account cannot reach into the resource.
- Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team}``, ``${*}``, ``${?}``, ``${$}``, and
  ``${key, 'default'}``) in resources and condition values; an element naming a variable the request lacks matches
  nothing.
- Condition operators String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals/Like, Bool, Null and
  (Not)IpAddress, each optionally ``...IfExists`` and ``ForAnyValue:``/``ForAllValues:``. Anything else is refused
  (:class:`UnsupportedCondition`) rather than guessed.
- :func:`authorize` combines identity policies, a permissions boundary and a resource policy as IAM does within one
  account and across accounts.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"

Context = Mapping[str, str | Sequence[str]]


class UnsupportedCondition(ValueError):
    """A condition operator this evaluator does not implement."""


@dataclass(frozen=True)
class Decision:
    result: str
    statement: str | None = None  # the Sid (or index) that decided
    policy: str = "identity"  # which kind of policy decided: identity, boundary or resource

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED


@functools.lru_cache(maxsize=4096)
def parse_document(document: str) -> dict[str, Any]:
    """A policy document (JSON text) as a dict, parsed once per distinct text."""
    parsed = json.loads(document)
    if not isinstance(parsed, dict):
        raise ValueError("a policy document is a JSON object")
    return parsed


def evaluate(policies: Sequence[Mapping[str, Any]], action: str, resource: str = "*",
             context: Context | None = None, principal: Iterable[str] | None = None) -> Decision:
    """The decision of ``policies`` for ``action`` on ``resource`` with the request ``context`` (condition keys → values).

    ``principal`` (the names designating the caller, see :func:`principal_names`) is needed only for resource policies,
    whose statements name who they apply to.
    """
    values = normalized(context)
    names = frozenset(principal) if principal is not None else None
    allowed_by = None
    for policy in policies:
        for index, statement in enumerate(_statements(policy)):
            if not applies(statement, action, resource, values, names):
                continue
            name = statement.get("Sid", str(index))
            if statement["Effect"] == "Deny":
                return Decision(EXPLICIT_DENY, name)
            allowed_by = allowed_by or name
    return Decision(ALLOWED, allowed_by) if allowed_by else Decision(IMPLICIT_DENY)


def authorize(identity: Sequence[Mapping[str, Any]], action: str, resource: str = "*", context: Context | None = None,
              *, boundary: Mapping[str, Any] | None = None, resource_policy: Mapping[str, Any] | None = None,
              principal: Iterable[str] = (), same_account: bool = True) -> Decision:
    """IAM's decision for one request: any explicit Deny refuses; then, within one account, an Allow in the identity
    policies (within the permissions boundary) or in the resource policy for this principal suffices; across
    accounts both sides must allow."""
    values = normalized(context)
    names = frozenset(principal)
    mine = evaluate(identity, action, resource, values)
    bounded = evaluate([boundary], action, resource, values) if boundary is not None else None
    theirs = evaluate([resource_policy], action, resource, values, names) if resource_policy is not None else None
    for decision, kind in ((mine, "identity"), (bounded, "boundary"), (theirs, "resource")):
        if decision is not None and decision.result == EXPLICIT_DENY:
            return Decision(EXPLICIT_DENY, decision.statement, kind)
    identity_allows = mine.allowed and (bounded is None or bounded.allowed)
    resource_allows = theirs is not None and theirs.allowed
    if same_account and resource_allows:
        return Decision(ALLOWED, theirs.statement if theirs else None, "resource")
    if identity_allows and (same_account or resource_allows):
        return Decision(ALLOWED, mine.statement, "identity")
    if mine.allowed and bounded is not None and not bounded.allowed:
        return Decision(IMPLICIT_DENY, None, "boundary")
    return Decision(IMPLICIT_DENY, None, "resource" if identity_allows else "identity")


def authorize_with_key_policy(identity: Sequence[Mapping[str, Any]], action: str, resource: str, context: Context | None,
                              *, key_policy: Mapping[str, Any], principal: Iterable[str], account: str,
                              key_account: str, boundary: Mapping[str, Any] | None = None) -> Decision:
    """KMS's decision for a key: its policy must allow the caller, directly or through the caller's account (which then
    leaves the decision to the account's identity policies); any explicit Deny refuses. A caller from another account
    needs both the key policy and its own identity policies."""
    values = normalized(context)
    mine = evaluate(identity, action, resource, values)
    bounded = evaluate([boundary], action, resource, values) if boundary is not None else None
    direct = evaluate([key_policy], action, resource, values, frozenset(principal))
    through_account = evaluate([key_policy], action, resource, values, frozenset({account, f"arn:aws:iam::{account}:root"}))
    for decision, kind in ((mine, "identity"), (bounded, "boundary"), (direct, "resource"), (through_account, "resource")):
        if decision is not None and decision.result == EXPLICIT_DENY:
            return Decision(EXPLICIT_DENY, decision.statement, kind)
    identity_allows = mine.allowed and (bounded is None or bounded.allowed)
    if direct.allowed and (account == key_account or identity_allows):
        return Decision(ALLOWED, direct.statement, "resource")
    if through_account.allowed:
        if identity_allows:
            return Decision(ALLOWED, mine.statement, "identity")
        return Decision(IMPLICIT_DENY, None, "boundary" if mine.allowed else "identity")
    return Decision(IMPLICIT_DENY, None, "resource")


def principal_names(arn: str) -> frozenset[str]:
    """The ``Principal`` values that designate the caller ``arn``: itself, and for a role session its role.

    The account (``"123456789012"`` or ``arn:aws:iam::123456789012:root``) is not among them: a resource policy
    naming the account delegates to the account's identity policies rather than granting by itself.
    """
    names = {arn}
    if ":assumed-role/" in arn:
        prefix, rest = arn.split(":assumed-role/", 1)
        names.add(prefix.replace(":sts:", ":iam:") + ":role/" + rest.split("/", 1)[0])
    return frozenset(names)


def normalized(context: Context | None) -> dict[str, list[str]]:
    """Condition keys lower-cased (IAM's keys are case-insensitive), every value a list."""
    if not context:
        return {}
    if isinstance(context, dict) and all(isinstance(v, list) and k.islower() for k, v in context.items()):
        return context  # already normalized: reused as is
    return {k.lower(): ([v] if isinstance(v, str) else list(v)) for k, v in context.items()}


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statement = policy.get("Statement", [])
    return statement if isinstance(statement, list) else [statement]


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def applies(statement: Mapping[str, Any], action: str, resource: str, context: dict[str, list[str]],
            principal: frozenset[str] | None = None) -> bool:
    """Whether ``statement`` is about this request (its effect aside)."""
    if "Action" in statement and not any(wildcard(p, action, False) for p in _listed(statement["Action"])):
        return False
    if "NotAction" in statement and any(wildcard(p, action, False) for p in _listed(statement["NotAction"])):
        return False
    if "Resource" in statement and not _any_resource(statement["Resource"], resource, context):
        return False
    if "NotResource" in statement and _any_resource(statement["NotResource"], resource, context):
        return False
    if principal is not None:
        if "Principal" in statement and not _principal_matches(statement["Principal"], principal):
            return False
        if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], principal):
            return False
    return conditions_hold(statement, context)


def conditions_hold(statement: Mapping[str, Any], context: Context | None) -> bool:
    """Whether every condition of ``statement`` holds for ``context`` (:class:`UnsupportedCondition` for an operator
    the evaluator does not know)."""
    values = normalized(context)
    return all(_condition(operator, key, _listed(expected), values)
               for operator, keys in (statement.get("Condition") or {}).items() for key, expected in keys.items())


def _principal_matches(element: Any, names: frozenset[str]) -> bool:
    """``names`` are the caller's ARNs (``AWS`` principals) or, for a service acting itself, its name (``Service``)."""
    if element == "*":
        return True
    listed = [p for kind, value in element.items() if kind in ("AWS", "Service") for p in _listed(value)]
    return "*" in listed or bool(names & set(listed))


def _any_resource(patterns: Any, resource: str, context: dict[str, list[str]]) -> bool:
    for pattern in _listed(patterns):
        expanded = substitute(pattern, context)
        if expanded is not None and arn_like(expanded, resource):
            return True
    return False


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def substitute(text: str, context: dict[str, list[str]]) -> str | None:
    """``text`` with its policy variables replaced from ``context``; ``None`` when a variable has no value."""
    if "${" not in text:
        return text
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        inner = match.group(1)
        if inner in _LITERALS:
            return "\0" + inner  # a literal *, ? or $, protected from being read as a wildcard
        key, _, default = inner.partition(",")
        found = context.get(key.strip().lower())
        if found and len(found) == 1:
            return found[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        missing = True
        return ""

    expanded = _VARIABLE.sub(value, text)
    return None if missing else expanded


@functools.lru_cache(maxsize=8192)
def _compiled(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\0" and index + 1 < len(pattern):  # a literal from ${*}, ${?} or ${$}
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def wildcard(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character, everything else literal."""
    return _compiled(pattern, case_sensitive).fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """``ArnLike``/``Resource`` matching: each of an ARN's first five segments on its own, then the resource part."""
    if not pattern.startswith("arn:") or not value.startswith("arn:"):
        return wildcard(pattern, value)
    wanted = pattern.split(":", 5)
    actual = value.split(":", 5)
    if len(actual) != 6:
        return wildcard(pattern, value)
    if len(wanted) < 6:  # "arn:aws:*": a trailing wildcard segment stands for the rest; otherwise a malformed pattern
        if not wanted[-1].endswith("*"):
            return False
        head = len(wanted) - 1
        return (all(wildcard(w, a) for w, a in zip(wanted[:head], actual[:head], strict=True))
                and wildcard(wanted[-1], ":".join(actual[head:])))
    return all(wildcard(w, a) for w, a in zip(wanted, actual, strict=True))


def _condition(operator: str, key: str, expected: list[str], context: dict[str, list[str]]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    actual = context.get(key.lower())
    if name == "Null":
        return (actual is None) == (expected[0].lower() == "true")
    test = _TESTS.get(name)
    if test is None:
        raise UnsupportedCondition(f"condition operator {operator} is not supported")
    if actual is None:
        return if_exists or name.startswith(("StringNot", "ArnNot", "NotIp"))  # a negated operator matches an absent key
    if name.startswith(("String", "Arn")):
        expected = [v for v in (substitute(e, context) for e in expected) if v is not None]
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
    "StringNotEqualsIgnoreCase": lambda v, e: v.lower() not in {x.lower() for x in e},
    "StringLike": lambda v, e: any(wildcard(p, v) for p in e),
    "StringNotLike": lambda v, e: not any(wildcard(p, v) for p in e),
    "ArnEquals": lambda v, e: any(arn_like(p, v) for p in e),
    "ArnNotEquals": lambda v, e: not any(arn_like(p, v) for p in e),
    "ArnLike": lambda v, e: any(arn_like(p, v) for p in e),
    "ArnNotLike": lambda v, e: not any(arn_like(p, v) for p in e),
    "Bool": lambda v, e: v.lower() in {x.lower() for x in e},
    "IpAddress": lambda v, e: _in_networks(v, e),
    "NotIpAddress": lambda v, e: not _in_networks(v, e),
}


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
    except ValueError:
        return False
