"""seed_code/*: each a complete repository whose files shared with the platform are generated and must not drift."""

from __future__ import annotations

import pytest
import yaml

from mlops_platform.packaging.seed_code import HEADER, PIPELINES, SEED_ROOT, SEEDS, export, on_disk, render

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
    assert {"pipelines/run_pipeline.py", "pipelines/get_pipeline_definition.py", "tests/test_step_scripts.py",
            "tests/test_executions.py"} <= set(files)
    assert not any("__pycache__" in p for p in files)
    for own in ("setup.py", "buildspec.yml", "README.md"):  # the repository's own files: written there, never generated
        assert own not in files and (TARGET / own).is_file()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_seed_file_has_one_source(name: str) -> None:
    # a generated file is never also written by hand elsewhere in the platform; a hand-written one carries no header
    generated = render(SEEDS[name])
    for path in sorted((SEED_ROOT / name).rglob("*.py")):
        relative = path.relative_to(SEED_ROOT / name).as_posix()
        assert path.read_text().startswith(HEADER) == (relative in generated and not relative.startswith("pipelines/")), relative


def test_export_rewrites_only_the_generated_files(tmp_path) -> None:
    # GIVEN a repository with its own files, a stale generated module and an edited generated copy
    repo = tmp_path / "modelbuild"
    (repo / "pipelines" / "stale").mkdir(parents=True)
    (repo / "pipelines" / "stale" / "old.py").write_text("x = 1\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_executions.py").write_text("edited\n")
    (repo / "README.md").write_text("the team's own words\n")
    # WHEN it is exported
    export(SEEDS["modelbuild"], root=tmp_path)
    # THEN the generated part equals the generator's, the stale module is gone and the own file is untouched
    assert on_disk(SEEDS["modelbuild"], root=tmp_path) == render(SEEDS["modelbuild"])
    assert not (repo / "pipelines" / "stale").exists()
    assert (repo / "README.md").read_text() == "the team's own words\n"


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
    template = yaml.load((SEED_ROOT / "modeldeploy" / "endpoint-config-template.yml").read_text(), Loader=_CfnLoader)  # noqa: S506 - a SafeLoader that only maps CloudFormation's short tags
    config = template["Resources"]["Endpoint"]["Properties"]["DeploymentConfig"]
    assert config["AutoRollbackConfiguration"]["Alarms"] == [{"AlarmName": {"Ref": "ErrorsAlarm"}}, {"AlarmName": {"Ref": "LatencyAlarm"}}]
    assert set(config["BlueGreenUpdatePolicy"]) == {"TrafficRoutingConfiguration", "TerminationWaitInSeconds", "MaximumExecutionTimeoutInSeconds"}
    metrics = {r["Properties"]["MetricName"]: r["Properties"]["Dimensions"] for r in template["Resources"].values()
               if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(metrics) == {"Invocation5XXErrors", "ModelLatency"}
    for dimensions in metrics.values():
        assert [d["Name"] for d in dimensions] == ["EndpointName", "VariantName"]
    # SageMaker reads the rollback alarms as the endpoint's execution role: without the grant no update could roll back
    policies = {p["PolicyName"]: p["PolicyDocument"]["Statement"] for p in template["Resources"]["ModelRole"]["Properties"]["Policies"]}
    [read] = policies["rollback-alarms"]
    assert read["Action"] == "cloudwatch:DescribeAlarms"
    assert read["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${ProjectName}-${StageName}-*"}


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
