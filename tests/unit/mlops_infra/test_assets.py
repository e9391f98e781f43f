"""The CDK app finds the functions' code and the seed repositories in a checkout and in an installed wheel alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlops_infra.assets import runtime_code_root, seed_root, stage_runtime

ROOT = Path(__file__).resolve().parents[3]


def test_in_the_checkout_the_assets_are_its_folders() -> None:
    assert runtime_code_root() == ROOT / "stepfunctions"
    assert seed_root() == ROOT / "seed_code"


def test_installed_the_runtime_package_is_staged_alone_once_per_content(tmp_path: Path) -> None:
    # GIVEN the runtime package installed among other distributions, with a cache beside its modules
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "stepfunctions" / "mlops_runtime", site / "mlops_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "boto3").mkdir()
    (site / "mlops_runtime" / "__pycache__").mkdir()
    (site / "mlops_runtime" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    staging = tmp_path / "staging"
    staging.mkdir()
    # WHEN the asset root is asked for twice
    first = stage_runtime(site / "mlops_runtime", staging)
    second = stage_runtime(site / "mlops_runtime", staging)
    # THEN it holds only the package, without caches, with the same files, staged once
    assert first == second and [p.name for p in first.iterdir()] == ["mlops_runtime"]
    staged = sorted(p.relative_to(first / "mlops_runtime").as_posix() for p in (first / "mlops_runtime").rglob("*") if p.is_file())
    source = sorted(p.relative_to(site / "mlops_runtime").as_posix() for p in (site / "mlops_runtime").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
    assert staged == source and "handlers/status_events.py" in staged and "environment_types/sagemaker_notebook/type.json" in staged
    assert len(list(staging.iterdir())) == 1
    # AND a change of content is a new asset folder
    (site / "mlops_runtime" / "contracts.py").write_text("CHANGED = True\n")
    assert stage_runtime(site / "mlops_runtime", staging) != first


def test_a_wheel_s_seed_copy_wins_and_none_at_all_is_a_clear_error(tmp_path: Path) -> None:
    packaged = tmp_path / "mlops_infra" / "seed_code"
    packaged.mkdir(parents=True)
    assert seed_root(packaged, ROOT / "seed_code") == packaged
    with pytest.raises(FileNotFoundError, match="no seed repositories"):
        seed_root(tmp_path / "missing", tmp_path / "also-missing")
