"""Synthesize the app into a cloud assembly and export its templates (offline)."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from mlops_infra.app import build_app
from mlops_infra.checks import StaticCheckError, assembly_findings
from mlops_infra.render import state_machines
from mlops_runtime.config import PlatformConfig

#: Where the templates for users who deploy without CDK live (``cfn_templates/``).
TEMPLATES_DIR = Path(__file__).resolve().parent.parent
#: The network of the shipped environment template when the configuration has none (any private /16 to /20 will do).
SHIPPED_NETWORK_CIDR = "10.60.0.0/16"
#: The parameter that tells the environment product's template from the project templates.
ENVIRONMENT_PARAMETER = "EnvironmentName"
#: Where rendered state machine definitions live, for review (``stepfunctions/definitions/``).
DEFINITIONS_DIR = TEMPLATES_DIR.parent / "stepfunctions" / "definitions"


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack of the cloud assembly."""

    stack_name: str
    template_file: Path
    assets_manifest: Path | None

    @property
    def template(self) -> dict:
        return json.loads(self.template_file.read_text())


def synthesize(config: PlatformConfig | None = None, outdir: str | Path | None = None) -> dict[str, SynthesizedStack]:
    """Synthesize every stack (AwsSolutions checks included) and hold the templates to the static checks
    (:mod:`mlops_infra.checks`: IAM actions and condition keys, ASL, SDK integrations); return them by stack name."""
    outdir = Path(outdir or tempfile.mkdtemp(prefix="mlops-cdk-"))
    assembly = build_app(config, outdir=str(outdir)).synth()
    findings = assembly_findings(outdir)
    if findings:
        raise StaticCheckError(findings)
    stacks = {}
    for stack in assembly.stacks:
        manifest = outdir / f"{stack.id}.assets.json"
        stacks[stack.stack_name] = SynthesizedStack(
            stack_name=stack.stack_name,
            template_file=outdir / stack.template_file,
            assets_manifest=manifest if manifest.exists() else None,
        )
    return stacks


def export_templates(destination: str | Path = TEMPLATES_DIR, config: PlatformConfig | None = None,
                     definitions: str | Path = DEFINITIONS_DIR) -> list[Path]:
    """Write ``<stack-name>.template.json`` for every stack, and ``<state-machine>.asl.json`` for each state machine.

    The secure ML environment's template is written too (it has no assets: plain CloudFormation deploys it), with the
    configured network or, when there is none, ``SHIPPED_NETWORK_CIDR``.
    """
    config = config or PlatformConfig()
    destination, definitions = Path(destination), Path(definitions)
    destination.mkdir(parents=True, exist_ok=True)
    definitions.mkdir(parents=True, exist_ok=True)
    written = []
    if not config.network_cidr:
        with tempfile.TemporaryDirectory(prefix="mlops-cdk-") as outdir:
            environment = synthesize(replace(config, network_cidr=SHIPPED_NETWORK_CIDR), outdir)[config.ml_environment_stack_name]
            target = destination / f"{config.ml_environment_stack_name}.template.json"
            shutil.copyfile(environment.template_file, target)
            written.append(target)
    with tempfile.TemporaryDirectory(prefix="mlops-cdk-") as outdir:
        for name, stack in sorted(synthesize(config, outdir).items()):
            target = destination / f"{name}.template.json"
            shutil.copyfile(stack.template_file, target)
            written.append(target)
            for machine, asl in sorted(state_machines(stack.template).items()):
                rendered = definitions / f"{machine}.asl.json"
                rendered.write_text(json.dumps(asl, indent=2, sort_keys=False) + "\n")
                written.append(rendered)
        for product in sorted(Path(outdir).glob("*.product.template.json")):  # the project templates (product stacks)
            template = json.loads(product.read_text())
            if ENVIRONMENT_PARAMETER in template.get("Parameters", {}):
                continue  # the environment product's template is the environment stack's, written above
            target = destination / project_template_file(template, config.project)
            shutil.copyfile(product, target)
            written.append(target)
    return written


def project_template_file(template: dict, platform: str) -> str:
    """``<platform>-project.template.json``, or ``<platform>-project-units.template.json`` for the one taking units."""
    units = "StagingOrganizationalUnitId" in template.get("Parameters", {})
    return f"{platform}-project{'-units' if units else ''}.template.json"

