"""A repository folder pushed to a Git source (the model-build CodeCommit repository): its content becomes the branch tip.

:func:`push_model_build` pushes to whichever source the platform has (CodeCommit or the S3 bucket)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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
        raise ConfigError("git is not installed: the model-build source is a Git repository")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **{k: os.environ.get(k, v) for k, v in IDENTITY.items()}}
    result = subprocess.run(["git", *git_args, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise MlopsError(f"git {args[0]} failed: {lines[-1] if lines else f'exit status {result.returncode}'}")
    return result


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
            lines = [line for line in fetched.stderr.splitlines() if line.strip()]
            raise MlopsError(f"cannot reach the model-build repository: {lines[-1] if lines else 'git fetch failed'}")
        for path, relative in files:
            (checkout / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, checkout / relative)
        _git(["add", "-A"], checkout, [])
        _git(["commit", "-q", "--allow-empty", "-m", message], checkout, [])
        _git(["push", "-q", remote, f"HEAD:refs/heads/{branch}"], checkout, git_args)
        return _git(["rev-parse", "HEAD"], checkout, []).stdout.strip()


def push_and_start(codepipeline: Any, *, remote: str, git_args: list[str], folder: Path, branch: str, pipeline: str,
                   message: str = "mlops pipeline push", timeout: float = 30.0) -> Push:
    """Push the folder to the branch and return the execution of ``pipeline`` the push started (TimeoutError if none)."""
    known = execution_ids(codepipeline, pipeline)
    commit = push_folder(folder, remote, git_args, branch, message)
    return Push(commit, pipeline, wait_for_new_execution(codepipeline, pipeline, known, timeout))


def push_model_build(accounts: Any, outputs: ToolingOutputs, folder: Path, branch: str = "main",
                     message: str = "mlops pipeline push") -> Push:
    """Push the model-build repository the way the platform's source takes it — ``git push`` to its CodeCommit
    repository, or the zip to its S3 source bucket — and return the CI execution the push started."""
    codepipeline = accounts.client("codepipeline")
    pipeline = outputs.model_build_pipeline_name
    if outputs.model_build_repository_clone_url:
        remote, git_args = accounts.git_remote(outputs.model_build_repository_clone_url)
        return push_and_start(codepipeline, remote=remote, git_args=git_args, folder=folder, branch=branch, pipeline=pipeline,
                              message=message)
    if outputs.model_build_source_bucket_name and outputs.model_build_source_key:
        return s3_push_and_start(accounts.client("s3"), codepipeline, bucket=outputs.model_build_source_bucket_name,
                                 key=outputs.model_build_source_key, folder=folder, pipeline=pipeline)
    raise ConfigError("this platform builds from a CodeConnections repository: push with git")
