"""seed_code/modelbuild is generated from pipelines/ and must not drift; it is a complete repository."""

from __future__ import annotations

import yaml

from mlops_platform.packaging.seed_code import PIPELINES, TARGET, on_disk, render_modelbuild


def test_seed_repository_matches_the_generator() -> None:
    generated, shipped = render_modelbuild(), on_disk()
    drifted = sorted(p for p in generated.keys() | shipped.keys() if generated.get(p) != shipped.get(p))
    assert drifted == [], f"seed_code/modelbuild drifted ({', '.join(drifted)}): run `mlops synth --export-templates`"


def test_seed_carries_the_whole_pipeline_package() -> None:
    files = render_modelbuild()
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
