"""The prescribed top level and the packaging rules that protect it."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_prescribed_top_level_exists() -> None:
    for name in ("pipelines", "stepfunctions", "seed_code", "cfn_templates", "tests", "benchmarks"):
        assert (ROOT / name).is_dir(), name
    for name in ("buildspec.yml", "setup.py", "README.md", "run", ".ci/run", "constraints.txt"):
        assert (ROOT / name).is_file(), name


def test_stepfunctions_folder_is_not_a_package() -> None:
    # a stepfunctions/__init__.py would shadow PyPI's `stepfunctions` whenever the repo root is on sys.path
    assert not (ROOT / "stepfunctions" / "__init__.py").exists()
    import mlops_platform
    import mlops_runtime

    assert Path(mlops_runtime.__file__).parent == ROOT / "stepfunctions" / "mlops_runtime"
    assert Path(mlops_platform.__file__).parent == ROOT / "mlops_platform"


def test_buildspec_installs_pinned_tests_and_synthesizes() -> None:
    spec = yaml.safe_load((ROOT / "buildspec.yml").read_text())
    assert spec["version"] == 0.2
    commands = [c for phase in spec["phases"].values() for c in phase.get("commands", [])]
    assert any("-c constraints.txt" in c for c in commands)
    assert any(c.startswith("python -m pytest") for c in commands)
    assert any(c.startswith("mlops synth") for c in commands)
    assert any(c.startswith("cfn-lint cfn_templates/") for c in commands)


def test_runtime_package_does_not_import_cdk_at_import_time() -> None:
    import subprocess
    import sys

    code = "import sys, mlops_platform.cli.main, mlops_platform.deploy.platform; print('aws_cdk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
