"""``seed_code/<repo>``: the repositories a SageMaker project starts from, generated from the platform's own sources.

``modelbuild`` is the top-level ``pipelines/`` package plus the repository files in ``modelbuild_seed/``;
``modeldeploy`` is ``modeldeploy_seed/`` plus the platform's guardrail and registry modules. Never
edit ``seed_code/`` by hand: change the sources and run ``mlops synth --export-templates``; a test
fails when the two drift apart.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PIPELINES = ROOT / "pipelines"
MODELDEPLOY = HERE.parent / "modeldeploy"
SEED_ROOT = ROOT / "seed_code"
HEADER = "# Generated from the platform repository by `mlops synth --export-templates`; do not edit.\n"


@dataclass(frozen=True)
class Seed:
    name: str
    repository_files: Path
    #: folder in the repository → platform folder copied into it verbatim
    packages: tuple[tuple[str, Path], ...] = ()
    #: platform Python files copied with a "generated" header, by their path in the repository
    copies: tuple[tuple[str, Path], ...] = ()


SEEDS = {
    "modelbuild": Seed("modelbuild", HERE / "modelbuild_seed", packages=(("pipelines", PIPELINES),), copies=(
        ("tests/test_step_scripts.py", ROOT / "tests" / "unit" / "pipelines" / "test_step_scripts.py"),
        ("tests/test_executions.py", ROOT / "tests" / "unit" / "pipelines" / "test_executions.py"))),
    "modeldeploy": Seed("modeldeploy", HERE / "modeldeploy_seed", copies=(
        ("deploy_support/guardrails.py", MODELDEPLOY / "guardrails.py"),
        ("deploy_support/packages.py", MODELDEPLOY / "packages.py"),
        ("deploy_support/endpoints.py", MODELDEPLOY / "endpoints.py"))),
}


def _source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def render(seed: Seed) -> dict[str, bytes]:
    """Relative path → content of every file of the seed repository."""
    files: dict[str, bytes] = {}
    for prefix, folder in seed.packages:
        for path in _source_files(folder):
            files[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    for path in _source_files(seed.repository_files):
        files[path.relative_to(seed.repository_files).as_posix()] = path.read_bytes()
    for relative, path in seed.copies:
        files[relative] = (HEADER + path.read_text(encoding="utf-8")).encode()
    return files


def on_disk(seed: Seed) -> dict[str, bytes]:
    target = SEED_ROOT / seed.name
    return {p.relative_to(target).as_posix(): p.read_bytes() for p in _source_files(target)} if target.is_dir() else {}


def export(seed: Seed, target: Path | None = None) -> list[Path]:
    """Write the seed repository (replacing what was there); returns the files written."""
    target = target or SEED_ROOT / seed.name
    if target.exists():
        shutil.rmtree(target)
    written = []
    for relative, content in sorted(render(seed).items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def export_all() -> list[Path]:
    return [path for seed in SEEDS.values() for path in export(seed)]
