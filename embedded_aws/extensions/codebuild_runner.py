"""CodeBuild runs the buildspec: phases execute on this machine and the build succeeds or fails by their exit codes.

moto 5.2.5 reports every build ``SUCCEEDED`` the first time it is read, without running anything.
Here StartBuild returns an ``IN_PROGRESS`` build and a worker:

* fetches the source (the S3 object a pipeline passes as ``sourceVersion`` ``arn:aws:s3:::bucket/key``,
  or the project's S3 source) and unpacks it; reads the buildspec (inline in the project, or the named
  file in the source, ``buildspec.yml`` by default);
* runs ``install``, ``pre_build``, ``build`` and ``post_build`` in bash, each phase in one shell with
  ``set -e``; a failing install/pre_build ends the build, a failing build still runs post_build;
* gives the commands the project's and the buildspec's variables (``parameter-store`` ones read from SSM),
  the ``CODEBUILD_*`` variables, the service role's credentials and the embedded endpoint;
* runs Python in a per-build virtual environment layered over this one (``pip install`` lands in the
  build's environment, never in the embedded AWS's own; packages come from this environment, no index);
* writes the output to CloudWatch Logs (``/aws/codebuild/<project>`` or the project's group) and uploads
  ``artifacts.files`` to the artifact location a pipeline asks for; enforces the project's timeout.
"""

from __future__ import annotations

import fnmatch
import io
import logging
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import venv
import zipfile
from pathlib import Path
from typing import Any

import yaml
from moto.codebuild.models import CodeBuildBackend
from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.s3.models import s3_backends
from moto.ssm.models import ssm_backends
from moto.sts.models import sts_backends

from embedded_aws.extensions.base import Extension, Patcher, Workers
from embedded_aws.json_line_process import LogSink

logger = logging.getLogger(__name__)
PHASES = ("install", "pre_build", "build", "post_build")
BUILDS = Workers("codebuild")


class BuildFailed(Exception):
    """The build ends FAILED in ``phase`` with this message."""

    def __init__(self, phase: str, message: str) -> None:
        super().__init__(message)
        self.phase = phase


def s3_location(value: str) -> tuple[str, str] | None:
    """``(bucket, key)`` of ``arn:aws:s3:::bucket/key`` or ``bucket/key``."""
    text = value.split(":::", 1)[1] if value.startswith("arn:") else value
    bucket, _, key = text.partition("/")
    return (bucket, key) if bucket and key else None


def read_buildspec(project_source: dict[str, Any], source_dir: Path) -> dict[str, Any]:
    """The project's inline buildspec, or the named file of the source (``buildspec.yml`` by default)."""
    declared = (project_source.get("buildspec") or "").strip()
    if declared and "\n" in declared:
        text = declared
    else:
        path = source_dir / (declared or "buildspec.yml")
        if not path.is_file():
            raise BuildFailed("DOWNLOAD_SOURCE", f"YAML_FILE_ERROR: buildspec {declared or 'buildspec.yml'} not found in the source")
        text = path.read_text(encoding="utf-8")
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildFailed("DOWNLOAD_SOURCE", f"YAML_FILE_ERROR: {exc}") from exc
    if not isinstance(spec, dict) or str(spec.get("version")) not in {"0.1", "0.2"}:
        raise BuildFailed("DOWNLOAD_SOURCE", "YAML_FILE_ERROR: the buildspec needs version 0.2")
    return spec


def collect_artifacts(spec: dict[str, Any], source_dir: Path) -> bytes | None:
    """The buildspec's ``artifacts.files`` (globs, ``base-directory``, ``discard-paths``) as a zip."""
    artifacts = spec.get("artifacts") or {}
    patterns = artifacts.get("files") or []
    if not patterns:
        return None
    base = source_dir / artifacts.get("base-directory", ".")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            relative = path.relative_to(base).as_posix()
            if any(fnmatch.fnmatch(relative, pattern.replace("**/", "*")) or pattern == "**/*" for pattern in patterns):
                archive.write(path, path.name if str(artifacts.get("discard-paths", "no")).lower() in {"yes", "true"} else relative)
    return buffer.getvalue()


def python_environment(root: Path) -> Path:
    """A virtual environment whose packages are this interpreter's plus what the build installs itself."""
    target = root / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(target)
    purelib = Path(sysconfig.get_paths(vars={"base": str(target), "platbase": str(target)})["purelib"])
    purelib.mkdir(parents=True, exist_ok=True)
    (purelib / "embedded-parent.pth").write_text("\n".join(sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})) + "\n")
    pip = target / "bin" / "pip"
    pip.write_text(f'#!/bin/sh\nexec "{target / "bin" / "python"}" -m pip "$@"\n')
    pip.chmod(0o755)
    (target / "bin" / "pip3").symlink_to(pip)
    # console scripts of this environment (e.g. pytest) stay reachable after the build's own
    return target / "bin"


class Build:
    """One build: its metadata (what BatchGetBuilds returns) and the work that fills it in."""

    def __init__(self, backend: CodeBuildBackend, metadata: dict[str, Any], project: Any, artifact_location: tuple[str, str] | None,
                 cancel: threading.Event, variables_override: list[dict[str, str]] | None = None) -> None:
        self.backend, self.metadata, self.project, self.cancel = backend, metadata, project.project_metadata, cancel
        self.artifact_location = artifact_location
        self.variables_override = variables_override or []
        self.log_group = ((self.project.get("logsConfig") or {}).get("cloudWatchLogs") or {}).get("groupName") \
            or f"/aws/codebuild/{self.project['name']}"
        self.log_stream = metadata["id"].split(":", 1)[1]
        metadata["logs"] = {"groupName": self.log_group, "streamName": self.log_stream, "cloudWatchLogs": {"status": "ENABLED"}}

    # -- metadata ---------------------------------------------------------------------------
    def phase(self, name: str, status: str | None = None) -> None:
        now = iso_8601_datetime_with_milliseconds()
        phases = self.metadata["phases"]
        if phases and "phaseStatus" not in phases[-1]:
            phases[-1].update(phaseStatus=status or "SUCCEEDED", endTime=now)
        if status is None or name != phases[-1]["phaseType"]:
            phases.append({"phaseType": name, "startTime": now})
        self.metadata["currentPhase"] = name

    def fail_phase(self, message: str, status: str = "FAILED") -> None:
        """Close the current phase as failed, with CodeBuild's context message."""
        current = self.metadata["phases"][-1]
        if "phaseStatus" not in current:
            current.update(phaseStatus=status, endTime=iso_8601_datetime_with_milliseconds(),
                           contexts=[{"statusCode": "COMMAND_EXECUTION_ERROR", "message": message}])

    def finish(self, status: str, message: str = "") -> None:
        phases = self.metadata["phases"]
        if status != "SUCCEEDED" and not any(p.get("phaseStatus") in {"FAILED", "STOPPED"} for p in phases):
            self.fail_phase(message, status)
        if phases and "phaseStatus" not in phases[-1]:
            phases[-1].update(phaseStatus="SUCCEEDED", endTime=iso_8601_datetime_with_milliseconds())
        phases.append({"phaseType": "COMPLETED", "startTime": iso_8601_datetime_with_milliseconds()})
        self.metadata.update(buildStatus=status, currentPhase="COMPLETED", buildComplete=True,
                             endTime=iso_8601_datetime_with_milliseconds())

    def log(self, text: str) -> None:
        LogSink(self.backend.account_id, self.backend.region_name, self.log_group, self.log_stream).write_lines(
            [line for line in text.splitlines() if line.strip()])

    # -- the build ------------------------------------------------------------------------
    def run(self) -> None:
        with tempfile.TemporaryDirectory(prefix="embedded-codebuild-") as work:
            root = Path(work)
            source_dir = root / "src"
            source_dir.mkdir()
            try:
                self.phase("PROVISIONING")
                bin_dir = python_environment(root)
                self.phase("DOWNLOAD_SOURCE")
                self.download_source(source_dir)
                spec = read_buildspec(self.project.get("source") or {}, source_dir)
                env = self.environment(spec, source_dir, bin_dir)
                failure: BuildFailed | None = None
                for name in PHASES:
                    if failure is not None and name != "post_build":
                        continue
                    self.phase(name.upper())
                    try:
                        self.run_phase(name, spec, env, source_dir)
                    except BuildFailed as exc:
                        if name in {"install", "pre_build"}:
                            raise
                        self.fail_phase(str(exc))
                        failure = failure or exc
                        env["CODEBUILD_BUILD_SUCCEEDING"] = "0"
                if failure is not None:
                    raise failure
                self.phase("UPLOAD_ARTIFACTS")
                self.upload_artifacts(spec, source_dir)
                self.phase("FINALIZING")
                self.finish("SUCCEEDED")
            except BuildFailed as exc:
                self.log(f"[Container] Phase {exc.phase} failed: {exc}")
                self.finish("STOPPED" if self.cancel.is_set() else "FAILED", str(exc))

    def download_source(self, target: Path) -> None:
        source = self.project.get("source") or {}
        version = self.metadata.get("sourceVersion") or ""
        location = s3_location(version) if version.startswith("arn:aws:s3") else (
            s3_location(source.get("location", "")) if source.get("type") == "S3" else None)
        if location is None:
            if source.get("type") == "NO_SOURCE":
                return
            raise BuildFailed("DOWNLOAD_SOURCE", f"CLIENT_ERROR: no source to download for source type {source.get('type')}")
        try:
            found = s3_backends[self.backend.account_id]["global"].get_object(*location)
            if found is None:
                raise KeyError(f"s3://{'/'.join(location)} does not exist")
            body = found.value
        except Exception as exc:
            raise BuildFailed("DOWNLOAD_SOURCE", f"CLIENT_ERROR: no such object s3://{location[0]}/{location[1]}") from exc
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            archive.extractall(target)
        for info in zipfile.ZipFile(io.BytesIO(body)).infolist():  # keep executable bits
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                (target / info.filename).chmod(mode & 0o777)

    def environment(self, spec: dict[str, Any], source_dir: Path, bin_dir: Path) -> dict[str, str]:
        account, region = self.backend.account_id, self.backend.region_name
        role = sts_backends[account]["aws"].assume_role(region_name=region, role_session_name=self.log_stream[:64],
                                                        role_arn=self.project["serviceRole"], policy="", duration=43200, external_id="")
        env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TMPDIR")}
        env.update({
            "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_ACCESS_KEY_ID": role.access_key_id,
            "AWS_SECRET_ACCESS_KEY": role.secret_access_key, "AWS_SESSION_TOKEN": role.session_token,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}",
            "CODEBUILD_BUILD_ID": self.metadata["id"], "CODEBUILD_BUILD_ARN": self.metadata["arn"],
            "CODEBUILD_SRC_DIR": str(source_dir), "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_RESOLVED_SOURCE_VERSION": self.metadata.get("sourceVersion", ""),
            "CODEBUILD_INITIATOR": self.metadata.get("initiator", ""), "PIP_NO_INDEX": "1",
            "PIP_NO_BUILD_ISOLATION": "0",  # pip reads this one inverted: "0" turns build isolation off
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1",
        })
        for variable in [*((self.project.get("environment") or {}).get("environmentVariables") or []), *self.variables_override]:
            env[variable["name"]] = self.resolve(variable.get("type", "PLAINTEXT"), str(variable["value"]))
        declared = spec.get("env") or {}
        env.update({str(k): str(v) for k, v in (declared.get("variables") or {}).items()})
        env.update({str(k): self.resolve("PARAMETER_STORE", str(v)) for k, v in (declared.get("parameter-store") or {}).items()})
        return env

    def resolve(self, kind: str, value: str) -> str:
        if kind == "PLAINTEXT":
            return value
        if kind == "PARAMETER_STORE":
            try:
                parameter = ssm_backends[self.backend.account_id][self.backend.region_name].get_parameter(value)
                if parameter is None:
                    raise KeyError(f"parameter {value} does not exist")
                return str(parameter.response_object(decrypt=True)["Value"])
            except Exception as exc:
                raise BuildFailed("DOWNLOAD_SOURCE", f"CLIENT_ERROR: parameter {value} not found in SSM") from exc
        raise BuildFailed("DOWNLOAD_SOURCE", f"CLIENT_ERROR: environment variable type {kind} is not emulated")

    def run_phase(self, name: str, spec: dict[str, Any], env: dict[str, str], source_dir: Path) -> None:
        commands = ((spec.get("phases") or {}).get(name) or {}).get("commands") or []
        if not commands:
            return
        marker = source_dir.parent / f".{name}-command"
        script = "set -e\n" + "".join(
            f"printf '%s' {index} > {shlex.quote(str(marker))}\n"
            f"printf '%s\\n' {shlex.quote(f'[Container] Running command {command}')}\n{command}\n"
            for index, command in enumerate(str(c) for c in commands))
        timeout = float(self.project.get("timeoutInMinutes") or 60) * 60
        self.log(f"[Container] Entering phase {name.upper()}")
        process = subprocess.Popen(["bash", "-c", script], cwd=source_dir, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        started = time.monotonic()
        output = process.stdout
        assert output is not None

        def pump() -> None:
            for line in output:
                self.log(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        while process.poll() is None:
            if self.cancel.is_set() or time.monotonic() - started > timeout:
                os.killpg(process.pid, 9)
                process.wait()
                raise BuildFailed(name.upper(), "build stopped" if self.cancel.is_set() else f"Build timed out after {timeout / 60:.0f} minutes")
            time.sleep(0.05)
        reader.join(5)
        if process.returncode != 0:
            failed = commands[int(marker.read_text())] if marker.is_file() else "?"
            raise BuildFailed(name.upper(), f"Error while executing command: {failed}. Reason: exit status {process.returncode}")

    def upload_artifacts(self, spec: dict[str, Any], source_dir: Path) -> None:
        if self.artifact_location is None:
            return
        body = collect_artifacts(spec, source_dir)
        if body is None:
            raise BuildFailed("UPLOAD_ARTIFACTS", "CLIENT_ERROR: no matching artifact paths found (artifacts.files is empty)")
        s3_backends[self.backend.account_id]["global"].put_object(self.artifact_location[0], self.artifact_location[1], body)


def start(backend: CodeBuildBackend, metadata: dict[str, Any], artifact_override: dict[str, Any] | None,
          variables_override: list[dict[str, str]] | None = None) -> None:
    project = backend.codebuild_projects[metadata["projectName"]]
    location = s3_location(artifact_override["location"]) if artifact_override and artifact_override.get("location") else None

    def work(cancel: threading.Event) -> None:
        build = Build(backend, metadata, project, location, cancel, variables_override)
        try:
            build.run()
        except Exception as exc:  # an emulation bug must show as a failed build, not a hang
            logger.exception("build %s crashed", metadata["id"])
            build.finish("FAULT", f"embedded AWS error: {exc!r}")

    BUILDS.start_cancellable(metadata["id"], work)


def stop_all(timeout: float = 15.0) -> None:
    """Stop running builds (reset or shutdown of the embedded AWS)."""
    BUILDS.stop_all(timeout)


class CodeBuildRunner(Extension):
    name = "codebuild-runner"
    summary = "Builds run their buildspec (source from S3, phases in bash, logs, artifacts, timeout) instead of succeeding unseen"

    def install(self, patcher: Patcher) -> None:
        original_start = CodeBuildBackend.start_build

        def start_build(self: CodeBuildBackend, project_name: str, source_version: str | None = None,
                        artifact_override: dict[str, Any] | None = None,
                        environment_variables_override: list[dict[str, str]] | None = None) -> dict[str, Any]:
            metadata = original_start(self, project_name, source_version, artifact_override)
            metadata.update(buildStatus="IN_PROGRESS", currentPhase="QUEUED", initiator=metadata.get("initiator", ""),
                            id=metadata["id"], buildNumber=len(self.build_history.get(project_name, [])))
            metadata["phases"] = [{"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "startTime": metadata["startTime"],
                                   "endTime": metadata["startTime"]}, {"phaseType": "QUEUED", "startTime": metadata["startTime"]}]
            start(self, metadata, artifact_override, environment_variables_override)
            return metadata

        def batch_get_builds(self: CodeBuildBackend, ids: list[str]) -> list[dict[str, Any]]:
            return [build for history in self.build_metadata_history.values() for build in history if build["id"] in ids]

        patcher.replace(CodeBuildBackend, "start_build", start_build)
        patcher.replace(CodeBuildBackend, "batch_get_builds", batch_get_builds)

    def reset(self) -> None:
        stop_all()

    def shutdown(self) -> None:
        stop_all()
