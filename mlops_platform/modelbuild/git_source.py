"""A repository folder pushed to a Git source (a CodeCommit repository): its content becomes the branch tip.

:func:`push_repository` pushes the model-build or model-deploy repository to whichever source the platform has
(CodeCommit or the S3 bucket)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_platform.modelbuild.ci import execution_ids, wait_for_new_execution
from mlops_platform.modelbuild.source import Push, repository_files
from mlops_platform.modelbuild.source import push_and_start as s3_push_and_start
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError, MlopsError

IDENTITY = {"GIT_AUTHOR_NAME": "mlops", "GIT_AUTHOR_EMAIL": "mlops@localhost", "GIT_COMMITTER_NAME": "mlops",
            "GIT_COMMITTER_EMAIL": "mlops@localhost"}


def _git(args: list[str], cwd: Path, git_args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        raise ConfigError("git is not installed: the platform's repositories are Git repositories")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **{k: os.environ.get(k, v) for k, v in IDENTITY.items()}}
    result = subprocess.run(["git", *git_args, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise MlopsError(f"git {args[0]} failed: {_reason(result, f'exit status {result.returncode}')}")
    return result


def _reason(result: subprocess.CompletedProcess[str], otherwise: str) -> str:
    """Why git failed: the last line it wrote to stderr (``otherwise`` when it wrote nothing)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else otherwise


def push_folder(folder: Path, remote: str, git_args: list[str], branch: str, message: str) -> str:
    """Commit ``folder``'s files as the new tip of ``branch`` on ``remote`` (created if missing) and push; the commit id."""
    files = repository_files(folder)
    with tempfile.TemporaryDirectory(prefix="mlops-push-") as work:
        checkout = Path(work)
        _git(["init", "-q", f"--initial-branch={branch}", "."], checkout, [])
        fetched = _git(["fetch", "-q", remote, f"refs/heads/{branch}"], checkout, git_args, check=False)
        if fetched.returncode == 0:
            _git(["reset", "-q", "--soft", "FETCH_HEAD"], checkout, [])
        elif "couldn't find remote ref" not in fetched.stderr:
            raise MlopsError(f"cannot reach the repository: {_reason(fetched, 'git fetch failed')}")
        for path, relative in files:
            (checkout / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, checkout / relative)
        _git(["add", "-A"], checkout, [])
        _git(["commit", "-q", "--allow-empty", "-m", message], checkout, [])
        _git(["push", "-q", remote, f"HEAD:refs/heads/{branch}"], checkout, git_args)
        return _git(["rev-parse", "HEAD"], checkout, []).stdout.strip()


def clone(remote: str, git_args: list[str], directory: Path) -> str:
    """Clone ``remote`` into ``directory`` (new or empty), keeping ``git_args``' settings (credentials) in the clone's
    config so that a later ``git push`` works there; the commit checked out ("" for an empty repository)."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(f"{directory} already exists and is not an empty folder")
    directory.parent.mkdir(parents=True, exist_ok=True)
    settings = [f"--config={value}" for flag, value in zip(git_args[::2], git_args[1::2], strict=True) if flag == "-c"]
    cloned = _git(["clone", "-q", *settings, remote, str(directory)], directory.parent, [], check=False)
    if cloned.returncode != 0:
        raise MlopsError(f"cannot clone the repository: {_reason(cloned, 'git clone failed')}")
    return _git(["rev-parse", "--verify", "-q", "HEAD"], directory, [], check=False).stdout.strip()


def push_and_start(codepipeline: Any, *, remote: str, git_args: list[str], folder: Path, branch: str, pipeline: str,
                   message: str = "mlops pipeline push", timeout: float = 30.0) -> Push:
    """Push the folder to the branch and return the execution of ``pipeline`` the push started (TimeoutError if none)."""
    known = execution_ids(codepipeline, pipeline)
    commit = push_folder(folder, remote, git_args, branch, message)
    return Push(commit, pipeline, wait_for_new_execution(codepipeline, pipeline, known, timeout))


@dataclass(frozen=True)
class RepositorySource:
    """Where one of the platform's repositories is pushed: its CodeCommit clone URL or its S3 object, and its pipeline."""

    kind: str  # model-build | model-deploy
    pipeline: str
    clone_url: str | None
    bucket: str | None
    key: str | None
    branch: str | None = None  # the branch the pipeline builds (CodeCommit)

    @classmethod
    def of(cls, outputs: ToolingOutputs, kind: str) -> RepositorySource:
        """The ``model-build`` or ``model-deploy`` repository of a deployed platform."""
        if kind == "model-build":
            return cls(kind, outputs.model_build_pipeline_name, outputs.model_build_repository_clone_url,
                       outputs.model_build_source_bucket_name, outputs.model_build_source_key, outputs.repository_branch)
        if kind == "model-deploy":
            return cls(kind, outputs.model_deploy_pipeline_name, outputs.model_deploy_repository_clone_url,
                       outputs.model_deploy_source_bucket_name, outputs.model_deploy_source_key, outputs.repository_branch)
        raise ValueError(f"kind must be model-build or model-deploy, got {kind!r}")


def push_repository(accounts: Any, source: RepositorySource, folder: Path, message: str = "mlops push") -> Push:
    """Push the repository the way the platform's source takes it — ``git push`` to the branch its pipeline builds in its
    CodeCommit repository, or the zip to its S3 source bucket — and return the CI execution the push started."""
    if source.clone_url:
        remote, git_args = accounts.git_remote(source.clone_url)
        return push_and_start(accounts.client("codepipeline"), remote=remote, git_args=git_args, folder=folder,
                              branch=source.branch or "main", pipeline=source.pipeline, message=message)
    if source.bucket and source.key:
        return s3_push_and_start(accounts.client("s3"), accounts.client("codepipeline"), bucket=source.bucket, key=source.key,
                                 folder=folder, pipeline=source.pipeline, kind=source.kind)
    raise ConfigError(f"this platform builds from a CodeConnections repository: push the {source.kind} repository with git")
