"""seed_code/* is generated from the platform's sources and must not drift; each is a complete repository."""

from __future__ import annotations

import pytest
import yaml

from mlops_platform.packaging.seed_code import PIPELINES, SEED_ROOT, SEEDS, on_disk, render

TARGET = SEED_ROOT / "modelbuild"


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_repository_matches_the_generator(name: str) -> None:
    generated, shipped = render(SEEDS[name]), on_disk(SEEDS[name])
    drifted = sorted(p for p in generated.keys() | shipped.keys() if generated.get(p) != shipped.get(p))
    assert drifted == [], f"seed_code/{name} drifted ({', '.join(drifted)}): run `mlops synth --export-templates`"


def test_seed_carries_the_whole_pipeline_package() -> None:
    files = render(SEEDS["modelbuild"])
    for script in ("pipeline.py", "preprocess.py", "train.py", "evaluate.py", "inference.py"):
        assert files[f"pipelines/modelbuild/{script}"] == (PIPELINES / "modelbuild" / script).read_bytes()
    assert {"setup.py", "buildspec.yml", "README.md", "pipelines/run_pipeline.py", "pipelines/get_pipeline_definition.py",
            "tests/test_step_scripts.py", "tests/test_executions.py"} <= set(files)
    assert not any("__pycache__" in p for p in files)


def test_buildspec_tests_then_runs_the_pipeline_with_the_projects_settings() -> None:
    spec = yaml.safe_load((TARGET / "buildspec.yml").read_text())
    assert spec["phases"]["pre_build"]["commands"] == ["python -m pytest -q tests"]
    [command] = spec["phases"]["build"]["commands"]
    assert command.startswith("run-pipeline --module-name pipelines.modelbuild.pipeline --role-arn \"$SAGEMAKER_PIPELINE_ROLE_ARN\"")
    for variable in ("SAGEMAKER_PIPELINE_NAME", "MODEL_PACKAGE_GROUP_NAME", "ARTIFACT_BUCKET", "ARTIFACT_KMS_KEY", "AWS_REGION"):
        assert f"${variable}" in command


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_repository_tests_pass_in_the_repository(name: str) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=SEED_ROOT / name,
                            capture_output=True, text=True, timeout=300, env={**__import__("os").environ, "PYTHONPATH": str(SEED_ROOT / name)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]


def test_endpoint_template_has_blue_green_rollback_on_both_alarms() -> None:
    template = yaml.load((SEED_ROOT / "modeldeploy" / "endpoint-config-template.yml").read_text(), Loader=_CfnLoader)
    config = template["Resources"]["Endpoint"]["Properties"]["DeploymentConfig"]
    assert config["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": {"Ref": "ErrorsAlarm"}}, {"AlarmName": {"Ref": "LatencyAlarm"}}]
    assert set(config["BlueGreenUpdatePolicy"]) == {"TrafficRoutingConfiguration", "TerminationWaitInSeconds", "MaximumExecutionTimeoutInSeconds"}
    metrics = {r["Properties"]["MetricName"]: r["Properties"]["Dimensions"] for r in template["Resources"].values()
               if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(metrics) == {"Invocation5XXErrors", "ModelLatency"}
    for dimensions in metrics.values():
        assert [d["Name"] for d in dimensions] == ["EndpointName", "VariantName"]


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags as ``{"Ref": ...}`` / ``{"Fn::X": ...}``."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
    key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)
