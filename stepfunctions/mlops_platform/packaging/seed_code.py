"""``seed_code/modelbuild``: the repository a SageMaker project starts from, generated from the top-level ``pipelines/``.

Never edit ``seed_code/modelbuild`` by hand: change ``pipelines/`` (or the repository files in
``modelbuild_seed/``) and run ``mlops synth --export-templates``; a test fails when the two drift apart.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PIPELINES = ROOT / "pipelines"
REPOSITORY_FILES = Path(__file__).resolve().parent / "modelbuild_seed"
#: Tests of the project that belong to the seed repository too (they import only ``pipelines``).
SEED_TESTS = (ROOT / "tests" / "unit" / "pipelines" / "test_step_scripts.py", ROOT / "tests" / "unit" / "pipelines" / "test_executions.py")
TARGET = ROOT / "seed_code" / "modelbuild"
HEADER = "# Generated from the platform repository by `mlops synth --export-templates`; do not edit.\n"


def _source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def render_modelbuild() -> dict[str, bytes]:
    """Relative path → content of every file of the seed repository."""
    files: dict[str, bytes] = {}
    for path in _source_files(PIPELINES):
        files[f"pipelines/{path.relative_to(PIPELINES).as_posix()}"] = path.read_bytes()
    for path in _source_files(REPOSITORY_FILES):
        files[path.relative_to(REPOSITORY_FILES).as_posix()] = path.read_bytes()
    for path in SEED_TESTS:
        files[f"tests/{path.name}"] = (HEADER + path.read_text(encoding="utf-8")).encode()
    return files


def on_disk(target: Path = TARGET) -> dict[str, bytes]:
    return {p.relative_to(target).as_posix(): p.read_bytes() for p in _source_files(target)} if target.is_dir() else {}


def export_modelbuild(target: Path = TARGET) -> list[Path]:
    """Write the seed repository to ``target`` (replacing what was there); returns the files written."""
    if target.exists():
        shutil.rmtree(target)
    written = []
    for relative, content in sorted(render_modelbuild().items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written
