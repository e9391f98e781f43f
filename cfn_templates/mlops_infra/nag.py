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
    ids = [f"{PACK}::{rule_id}[{item}]" for item in applies_to] or [f"{PACK}::{rule_id}"]
    cdk.Validations.of(scope).acknowledge(*(cdk.Acknowledgment(id=i, reason=reason) for i in ids))
