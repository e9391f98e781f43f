"""Lambda layers the platform builds at deploy time: PyJWT with its crypto backend, for the Studio token authorizer.

Built when deploying, never during synth, from the pinned versions installed here. For the embedded AWS
(whose Lambda runs on this machine) the installed files are the layer. For AWS they are too when they
run on Lambda's python3.11 x86_64 (Amazon Linux 2, glibc 2.26); otherwise — a newer manylinux wheel, or
another OS — pip downloads the manylinux2014 wheels of the same versions. A layer is published once per
content (its digest is in the description) and reused while nothing changes.
"""

from __future__ import annotations

import hashlib
import io
import platform
import re
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from mlops_platform.errors import DeployError

#: The authorizer's third-party code (the Lambda Python runtime provides boto3; Powertools is its own layer).
JWT_DISTRIBUTIONS = ("PyJWT", "cryptography", "cffi", "pycparser")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Lambda's python3.11 runs on Amazon Linux 2: glibc 2.26.
LAMBDA_GLIBC = (2, 26)
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_x86_64$")
_LEGACY = {"manylinux1_x86_64": (2, 5), "manylinux2010_x86_64": (2, 12), "manylinux2014_x86_64": (2, 17)}


def platform_runs_on_lambda(tag: str) -> bool:
    """Whether a wheel platform tag runs on Lambda's python3.11 x86_64."""
    if tag == "any":
        return True
    match = _MANYLINUX.match(tag)
    glibc = (int(match.group(1)), int(match.group(2))) if match else _LEGACY.get(tag)
    return glibc is not None and glibc <= LAMBDA_GLIBC


def installed_runs_on_lambda(names: tuple[str, ...] = JWT_DISTRIBUTIONS) -> bool:
    """Whether the installed distributions are wheels Lambda's python3.11 x86_64 can run (this is CPython 3.11)."""
    if sys.version_info[:2] != (3, 11) or platform.machine() != "x86_64" or sys.platform != "linux":
        return False
    for name in names:
        wheel = metadata.distribution(name).read_text("WHEEL") or ""
        platforms = [line.split(":", 1)[1].strip().rsplit("-", 1)[-1] for line in wheel.splitlines() if line.startswith("Tag:")]
        if not any(platform_runs_on_lambda(tag) for tag in platforms):
            return False
    return True


def pinned_versions(names: tuple[str, ...] = JWT_DISTRIBUTIONS) -> dict[str, str]:
    """The installed (pinned) version of each distribution; a clear error when one is missing."""
    try:
        return {name: metadata.version(name) for name in names}
    except metadata.PackageNotFoundError as exc:
        raise DeployError(f"cannot build the PyJWT layer: {exc.name} is not installed (pip install -e .)") from exc


def _installed_files(names: tuple[str, ...]) -> dict[str, Path]:
    """Archive path under ``python/`` → installed file, for every file of the distributions."""
    files = {}
    for name in names:
        distribution = metadata.distribution(name)
        for entry in distribution.files or []:
            if entry.suffix == ".pyc" or "__pycache__" in entry.parts or entry.parts[0].startswith(".."):
                continue
            files[f"python/{entry.as_posix()}"] = Path(str(distribution.locate_file(entry)))
    return files


def _downloaded_files(versions: dict[str, str], directory: Path) -> dict[str, Path]:
    """pip installs the manylinux wheels of ``versions`` into ``directory`` (Lambda's platform, not this one)."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(directory), "--no-deps",
               "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", "3.11",
               "--only-binary=:all:", *(f"{name}=={version}" for name, version in versions.items())]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise DeployError(f"cannot build the PyJWT layer: pip failed: {result.stderr.strip()[-500:]}")
    return {f"python/{p.relative_to(directory).as_posix()}": p for p in directory.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def build_jwt_layer(for_this_machine: bool) -> bytes:
    """The layer zip (``python/`` holding PyJWT and its crypto backend), byte-identical for the same versions.

    ``for_this_machine``: the functions run here (the embedded AWS), so the installed files serve as they are.
    """
    versions = pinned_versions()
    with tempfile.TemporaryDirectory(prefix="mlops-layer-") as scratch:
        if for_this_machine or installed_runs_on_lambda():
            files = _installed_files(JWT_DISTRIBUTIONS)
        else:
            files = _downloaded_files(versions, Path(scratch))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.external_attr = (files[name].stat().st_mode & 0o777) << 16
                archive.writestr(info, files[name].read_bytes())
        return buffer.getvalue()


def publish_layer(lambda_client: Any, s3: Any, bucket: str, name: str, content: bytes) -> str:
    """Publish ``content`` as layer ``name`` unless its newest version already holds it; the version ARN."""
    digest = hashlib.sha256(content).hexdigest()
    description = f"PyJWT and cryptography for the Studio token authorizer (sha256 {digest[:16]})"
    versions = lambda_client.list_layer_versions(LayerName=name).get("LayerVersions", [])
    for version in versions:
        if version.get("Description") == description:
            return str(version["LayerVersionArn"])
    key = f"layers/{name}-{digest[:16]}.zip"
    s3.put_object(Bucket=bucket, Key=key, Body=content)
    published = lambda_client.publish_layer_version(
        LayerName=name, Description=description, Content={"S3Bucket": bucket, "S3Key": key},
        CompatibleRuntimes=["python3.11"], CompatibleArchitectures=["x86_64"])
    return str(published["LayerVersionArn"])
