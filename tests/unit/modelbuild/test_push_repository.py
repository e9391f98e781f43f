"""push_repository: a git push to the branch the pipeline builds (CodeCommit), the zip (S3), or a clear refusal."""

from __future__ import annotations

import subprocess
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import pytest

from mlops_platform.modelbuild.git_source import RepositorySource, push_repository
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError, MlopsError


def _outputs(**present: str) -> ToolingOutputs:
    required = {f.name: f"<{f.name}>" for f in fields(ToolingOutputs) if f.default is MISSING}
    return ToolingOutputs(**{**required, **present})


class FakeCodePipeline:
    """One new execution appears once the remote's branch has a commit (the push's state-change event)."""

    def __init__(self, remote: Path, branch: str) -> None:
        self.remote, self.branch = remote, branch

    def list_pipeline_executions(self, pipelineName: str) -> dict[str, Any]:
        pushed = subprocess.run(["git", "-C", str(self.remote), "rev-parse", "--verify", "-q", f"refs/heads/{self.branch}"],
                                capture_output=True).returncode == 0
        return {"pipelineExecutionSummaries": [{"pipelineExecutionId": "started-by-push"}] if pushed else []}


class FakeAccounts:
    def __init__(self, codepipeline: FakeCodePipeline, remote: Path) -> None:
        self.codepipeline, self.remote = codepipeline, remote

    def client(self, service: str) -> Any:
        assert service == "codepipeline", service
        return self.codepipeline

    def git_remote(self, clone_url: str) -> tuple[str, list[str]]:
        assert clone_url == "https://git.example/v1/repos/mlops-modeldeploy"
        return str(self.remote), []


def test_the_source_of_each_repository_comes_from_the_platforms_outputs() -> None:
    outputs = _outputs(model_deploy_repository_clone_url="https://git.example/v1/repos/mlops-modeldeploy", repository_branch="release",
                       model_build_source_bucket_name="src", model_build_source_key="modelbuild.zip")
    assert RepositorySource.of(outputs, "model-deploy") == RepositorySource(
        "model-deploy", "<model_deploy_pipeline_name>", "https://git.example/v1/repos/mlops-modeldeploy", None, None, "release")
    assert RepositorySource.of(outputs, "model-build") == RepositorySource(
        "model-build", "<model_build_pipeline_name>", None, "src", "modelbuild.zip", "release")
    with pytest.raises(ValueError, match="kind must be model-build or model-deploy, got 'notebook'"):
        RepositorySource.of(outputs, "notebook")


def test_a_codecommit_source_is_pushed_to_the_branch_its_pipeline_builds(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    folder = tmp_path / "modeldeploy"
    folder.mkdir()
    (folder / "buildspec.yml").write_text("version: 0.2\n")
    source = RepositorySource("model-deploy", "mlops-modeldeploy", "https://git.example/v1/repos/mlops-modeldeploy", None, None, "release")
    pushed = push_repository(FakeAccounts(FakeCodePipeline(remote, "release"), remote), source, folder, message="mlops model push")
    assert (pushed.pipeline, pushed.execution_id) == ("mlops-modeldeploy", "started-by-push")
    log = subprocess.run(["git", "-C", str(remote), "log", "--format=%H %s", "release"], capture_output=True, text=True, check=True)
    assert log.stdout.split("\n")[0] == f"{pushed.source_version} mlops model push"


def test_a_codeconnections_source_is_refused_naming_the_repository(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="this platform builds from a CodeConnections repository: push the model-build repository with git"):
        push_repository(object(), RepositorySource("model-build", "mlops-modelbuild", None, None, None), tmp_path)


def test_a_clone_keeps_the_credential_settings_and_refuses_a_folder_in_use(tmp_path: Path) -> None:
    from mlops_platform.modelbuild.git_source import clone

    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    helper = ["-c", "credential.helper=", "-c", "credential.helper=!aws codecommit credential-helper $@", "-c", "credential.UseHttpPath=true"]
    target = tmp_path / "work" / "churn-modelbuild"
    assert clone(str(remote), helper, target) == ""  # an empty repository: nothing checked out yet
    helpers = subprocess.run(["git", "-C", str(target), "config", "--get-all", "credential.helper"], capture_output=True, text=True, check=True)
    assert helpers.stdout.splitlines() == ["", "!aws codecommit credential-helper $@"]
    with pytest.raises(ConfigError, match="already exists and is not an empty folder"):
        clone(str(remote), [], target)
    with pytest.raises(MlopsError, match="cannot clone the repository: "):
        clone(str(tmp_path / "missing.git"), [], tmp_path / "other")
