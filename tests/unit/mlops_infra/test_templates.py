"""Shipped templates: cdk-nag clean, cfn-lint clean, and identical to what the CDK app synthesizes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from mlops_infra.nag import enable_checks, suppress
from mlops_infra.synth import SynthesizedStack, project_template_file
from mlops_runtime.config import PlatformConfig


def test_shipped_templates_match_the_cdk_app(synthesized: dict[str, SynthesizedStack], templates_dir: Path) -> None:
    for name, stack in synthesized.items():
        shipped = templates_dir / f"{name}.template.json"
        assert shipped.exists(), f"{shipped.name} is missing: run `mlops synth --export-templates`"
        assert json.loads(shipped.read_text()) == stack.template, f"{shipped.name} drifted from the CDK app: run `mlops synth --export-templates`"
    products = sorted(Path(next(iter(synthesized.values())).template_file).parent.glob("*.product.template.json"))
    assert len(products) == 2, "two product stacks: the project templates (stages as accounts, stages as organizational units)"
    shipped_products = set()
    for product in products:
        template = json.loads(product.read_text())
        shipped = templates_dir / project_template_file(template, "mlops")
        assert json.loads(shipped.read_text()) == template, f"{shipped.name} drifted: run `mlops synth --export-templates`"
        shipped_products.add(shipped.name)
    assert shipped_products == {"mlops-project.template.json", "mlops-project-units.template.json"}
    assert {p.name for p in templates_dir.glob("*.template.json")} == {
        f"{n}.template.json" for n in synthesized} | shipped_products | {"mlops-ml-environment.template.json"}


def test_the_shipped_environment_template_is_the_environment_stack(secure_synthesized: dict[str, SynthesizedStack],
                                                                    templates_dir: Path) -> None:
    shipped = json.loads((templates_dir / "mlops-ml-environment.template.json").read_text())
    assert shipped == secure_synthesized["mlops-ml-environment"].template, "drifted: run `mlops synth --export-templates`"
    manifest = secure_synthesized["mlops-ml-environment"].assets_manifest
    assert manifest is not None
    sources = [f["source"]["path"] for f in json.loads(manifest.read_text())["files"].values()]
    assert sources == ["MlEnvironment.template.json"], "no asset but itself: plain CloudFormation deploys it"
    assert "Fn::ImportValue" not in json.dumps(shipped) and "Rules" not in shipped


def test_cfn_lint_is_clean_on_every_shipped_template(templates_dir: Path) -> None:
    seed_templates = templates_dir.parent / "seed_code"
    templates = sorted(str(p) for p in [*templates_dir.glob("*.template.json"), *seed_templates.glob("*/*-template.yml")])
    assert any(t.endswith("endpoint-config-template.yml") for t in templates)
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), *templates], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cdk_nag_fails_synthesis_on_an_unsuppressed_wildcard(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Probe")
    iam.Role(stack, "Broad", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), inline_policies={
        "all": iam.PolicyDocument(statements=[iam.PolicyStatement(actions=["s3:*"], resources=["*"])])})
    enable_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "AwsSolutions-IAM5[Action::s3:*]" in rules


def test_suppression_without_a_reason_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Probe")
    with pytest.raises(ValueError, match="needs a real reason"):
        suppress(stack, "AwsSolutions-IAM5", "ok")


def test_synthesis_report_has_no_unsuppressed_findings(synthesized: dict[str, SynthesizedStack]) -> None:
    outdir = next(iter(synthesized.values())).template_file.parent
    report = json.loads((outdir / "validation-report.json").read_text())
    assert [p["conclusion"] for p in report["pluginReports"]] == ["success"] * len(report["pluginReports"])


@pytest.mark.parametrize("project", ["Mlops", "a", "has_underscore", "x" * 30])
def test_bad_project_names_are_rejected(project: str) -> None:
    with pytest.raises(ValueError, match="project must be"):
        PlatformConfig(project=project)
