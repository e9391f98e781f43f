"""A model-build or model-deploy repository as the S3 source object: a zip whose upload is the push."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlops_platform.modelbuild.ci import execution_ids, wait_for_new_execution
from mlops_runtime.errors import ConfigError

EXCLUDED_PARTS = {"__pycache__", ".git", ".pytest_cache", ".venv", "build", "dist"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}
REQUIRED = ("buildspec.yml",)


def repository_files(folder: Path, kind: str = "model-build") -> list[tuple[Path, Path]]:
    """``(path, path relative to folder)`` of the repository's files, sorted, without caches, builds and Git's own
    folder; a clear error when ``folder`` is not a repository of ``kind``."""
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder")
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"{folder} is not a {kind} repository: {', '.join(missing)} missing")
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if EXCLUDED_PARTS & set(relative.parts) or path.suffix in EXCLUDED_SUFFIXES or any(
                part.endswith(".egg-info") for part in relative.parts):
            continue
        files.append((path, relative))
    return files


def package_source(folder: Path, kind: str = "model-build") -> bytes:
    """``folder`` as a zip (sorted entries, fixed timestamps: the same tree gives the same bytes)."""
    files = repository_files(folder, kind)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, relative in files:
            info = zipfile.ZipInfo(relative.as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def push_source(s3: Any, bucket: str, key: str, folder: Path, kind: str = "model-build") -> str:
    """Upload the repository zip (the push); returns the new object version."""
    return s3.put_object(Bucket=bucket, Key=key, Body=package_source(folder, kind), ContentType="application/zip")["VersionId"]


@dataclass(frozen=True)
class Push:
    """A push and the pipeline execution it started."""

    source_version: str
    pipeline: str
    execution_id: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def push_and_start(s3: Any, codepipeline: Any, *, bucket: str, key: str, folder: Path, pipeline: str, kind: str = "model-build",
                   timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> Push:
    """Push the repository and return the execution of ``pipeline`` the push started (TimeoutError if none does)."""
    known = execution_ids(codepipeline, pipeline)
    version = push_source(s3, bucket, key, folder, kind)
    return Push(version, pipeline, wait_for_new_execution(codepipeline, pipeline, known, timeout, sleep))
