"""The PyJWT layer: built from the pinned versions at deploy time, Lambda-compatible, reproducible."""

from __future__ import annotations

import io
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from mlops_platform.deploy import layers


@pytest.mark.parametrize(("tag", "runs"), [
    ("any", True), ("manylinux2014_x86_64", True), ("manylinux_2_17_x86_64", True), ("manylinux_2_26_x86_64", True),
    ("manylinux_2_28_x86_64", False), ("manylinux_2_34_x86_64", False), ("macosx_11_0_arm64", False), ("manylinux_2_17_aarch64", False),
])
def test_which_wheel_platforms_run_on_lambda_python311(tag: str, runs: bool) -> None:
    assert layers.platform_runs_on_lambda(tag) is runs


def test_the_layer_for_this_machine_holds_the_installed_pinned_packages() -> None:
    content = layers.build_jwt_layer(for_this_machine=True)
    names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert {"python/jwt/__init__.py", "python/cryptography/__init__.py", "python/cffi/__init__.py"} <= names
    assert f"python/PyJWT-{metadata.version('PyJWT')}.dist-info/METADATA" in names or \
        f"python/pyjwt-{metadata.version('PyJWT')}.dist-info/METADATA" in names
    assert all(n.startswith("python/") and "__pycache__" not in n and not n.endswith(".pyc") for n in names)
    assert layers.build_jwt_layer(for_this_machine=True) == content  # same versions, same bytes


def test_for_aws_incompatible_installed_wheels_are_replaced_by_manylinux2014_downloads(monkeypatch: pytest.MonkeyPatch,
                                                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(layers, "installed_runs_on_lambda", lambda names=layers.JWT_DISTRIBUTIONS: False)
    commands: list[list[str]] = []

    def pip(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "jwt").mkdir(parents=True)
        (target / "jwt" / "__init__.py").write_text("# downloaded\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(layers.subprocess, "run", pip)
    content = layers.build_jwt_layer(for_this_machine=False)
    [command] = commands
    assert command[command.index("--platform") + 1] == "manylinux2014_x86_64"
    assert command[command.index("--python-version") + 1] == "3.11" and "--only-binary=:all:" in command
    assert f"PyJWT=={metadata.version('PyJWT')}" in command and f"cryptography=={metadata.version('cryptography')}" in command
    assert zipfile.ZipFile(io.BytesIO(content)).namelist() == ["python/jwt/__init__.py"]


def test_a_failed_download_is_a_deploy_error_naming_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layers, "installed_runs_on_lambda", lambda names=layers.JWT_DISTRIBUTIONS: False)
    monkeypatch.setattr(layers.subprocess, "run", lambda command, **_: subprocess.CompletedProcess(command, 1, "", "No matching distribution"))
    with pytest.raises(layers.DeployError, match="cannot build the PyJWT layer: pip failed: No matching distribution"):
        layers.build_jwt_layer(for_this_machine=False)
