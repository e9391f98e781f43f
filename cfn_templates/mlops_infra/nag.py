"""cdk-nag wiring: AwsSolutions checks on every stack, suppressions only with a written reason."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"


def enable_checks(app: cdk.App) -> None:
    """Run the AwsSolutions rule pack when ``app.synth()`` validates; findings fail synthesis."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def suppress(scope: IConstruct, rule_id: str, reason: str, applies_to: Sequence[str] = ()) -> None:
    """Acknowledge a finding on ``scope`` and its children; ``reason`` is mandatory and specific.

    ``applies_to`` names the exact evidence (e.g. ``Resource::arn:<AWS::Partition>:...``) so that a
    new wildcard added later is reported again instead of being silently covered.
    """
    if len(reason.strip()) < 20:
        raise ValueError(f"suppression of {rule_id} needs a real reason, got {reason!r}")
    stack = cdk.Stack.of(scope)
    ids = [f"{PACK}::{rule_id}[{evidence(stack, item)}]" for item in applies_to] or [f"{PACK}::{rule_id}"]
    cdk.Validations.of(scope).acknowledge(*(cdk.Acknowledgment(id=i, reason=reason) for i in ids))


def evidence(stack: cdk.Stack, text: str) -> str:
    """``text`` as cdk-nag prints it: a parameter reference as ``<Name>``, an attribute as ``<Logical.Attr>``.

    Lets a suppression name evidence built from template parameters (a product stack's project name).
    """
    if not cdk.Token.is_unresolved(text):
        return text
    return _render(stack.resolve(text))


def logical_id(construct: IConstruct) -> str:
    """The logical id of the construct's CloudFormation resource (as cdk-nag names it in ``applies_to`` evidence)."""
    resource = construct.node.default_child
    if not isinstance(resource, cdk.CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource of its own")
    return cdk.Stack.of(construct).get_logical_id(resource)


def _render(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    raise ValueError(f"cannot name {value!r} as cdk-nag evidence")
