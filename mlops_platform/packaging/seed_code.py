"""The generated files of ``seed_code/<repo>``, the repositories a SageMaker project starts from.

Each repository's own files (README, buildspec, setup, build and verify scripts, stage configs, tests of those) are
written in ``seed_code/<repo>/`` and nowhere else. What a repository shares with the platform is generated from the
platform's one copy: the whole ``pipelines/`` package and two of its tests for ``modelbuild``; the guardrail, registry
and endpoint modules for ``modeldeploy``. ``mlops synth --export-templates`` rewrites only those; a test fails when
they drift.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = ROOT / "pipelines"
MODELDEPLOY = Path(__file__).resolve().parents[1] / "modeldeploy"
SEED_ROOT = ROOT / "seed_code"
HEADER = "# Generated from the platform repository by `mlops synth --export-templates`; do not edit.\n"


@dataclass(frozen=True)
class Seed:
    name: str
    #: folder in the repository → platform package copied into it whole and verbatim (the folder is generated)
    packages: tuple[tuple[str, Path], ...] = ()
    #: platform Python files copied with a "generated" header, by their path in the repository
    copies: tuple[tuple[str, Path], ...] = ()


SEEDS = {
    "modelbuild": Seed("modelbuild", packages=(("pipelines", PIPELINES),), copies=(
        ("tests/test_step_scripts.py", ROOT / "tests" / "unit" / "pipelines" / "test_step_scripts.py"),
        ("tests/test_executions.py", ROOT / "tests" / "unit" / "pipelines" / "test_executions.py"))),
    "modeldeploy": Seed("modeldeploy", copies=(
        ("deploy_support/guardrails.py", MODELDEPLOY / "guardrails.py"),
        ("deploy_support/packages.py", MODELDEPLOY / "packages.py"),
        ("deploy_support/endpoints.py", MODELDEPLOY / "endpoints.py"))),
}


def _source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def render(seed: Seed) -> dict[str, bytes]:
    """Relative path → content of every generated file of the seed repository."""
    files: dict[str, bytes] = {}
    for prefix, folder in seed.packages:
        for path in _source_files(folder):
            files[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    for relative, path in seed.copies:
        files[relative] = (HEADER + path.read_text(encoding="utf-8")).encode()
    return files


def on_disk(seed: Seed, root: Path = SEED_ROOT) -> dict[str, bytes]:
    """The generated part of the repository as it is: the generated folders whole (a stray file counts) and the copies."""
    target = root / seed.name
    files = {prefix: target / prefix for prefix, _ in seed.packages}
    found = {p.relative_to(target).as_posix(): p.read_bytes() for folder in files.values() if folder.is_dir()
             for p in _source_files(folder)}
    found.update({relative: (target / relative).read_bytes() for relative, _ in seed.copies if (target / relative).is_file()})
    return found


def export(seed: Seed, root: Path = SEED_ROOT) -> list[Path]:
    """Rewrite the generated files (the repository's own files are left as they are); returns the files written."""
    target = root / seed.name
    for prefix, _ in seed.packages:
        if (target / prefix).exists():
            shutil.rmtree(target / prefix)
    written = []
    for relative, content in sorted(render(seed).items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def export_all() -> list[Path]:
    return [path for seed in SEEDS.values() for path in export(seed)]
