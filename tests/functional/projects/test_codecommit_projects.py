"""Projects on a platform whose repositories are in CodeCommit: created holding the seed code, cloned and pushed with git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from embedded_aws import EmbeddedAws
from mlops_infra.assets import seed_root
from mlops_platform.cli.main import cli
from mlops_platform.local.state import LocalState
from mlops_platform.modelbuild.ci import execution_ids, wait_for_new_execution
from mlops_runtime.config import PlatformConfig
from support import Platform, deployed_platform, wait_for

CONFIG = PlatformConfig(retain_data=False, repository_source="codecommit")
KINDS = (("ModelBuild", "modelbuild", "pipelines/modelbuild/pipeline.py"), ("ModelDeploy", "modeldeploy", "endpoint-config-template.yml"))


@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    return deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), CONFIG)


@pytest.fixture(scope="module")
def state_dir(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> str:
    from mlops_platform.local.state import save_state

    directory = tmp_path_factory.mktemp("state")
    save_state(directory, LocalState.from_dict(platform.aws.describe()))
    return str(directory)


@pytest.fixture(scope="module")
def created(state_dir: str) -> dict[str, str]:
    """``mlops project create churn`` as text: the clone URLs it printed."""
    result = CliRunner().invoke(cli, ["project", "create", "churn", "--state-dir", state_dir])
    assert result.exit_code == 0, result.stderr
    printed = dict(line.strip().split(": ", 1) for line in result.stdout.splitlines() if line.startswith("  "))
    assert result.stdout.splitlines()[0].startswith("churn (p-") and result.stdout.splitlines()[0].endswith("): CreateCompleted")
    return printed


def git(*args: str, cwd: Path) -> str:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(cwd), "GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "Dee",
           "GIT_AUTHOR_EMAIL": "dee@example.com", "GIT_COMMITTER_NAME": "Dee", "GIT_COMMITTER_EMAIL": "dee@example.com"}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _remote(platform: Platform, clone_url: str, user: str) -> str:
    """``clone_url`` with the Git credentials of a new IAM user who may pull from and push to the project's repositories."""
    iam = platform.client("iam")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="churn-repositories", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["codecommit:GitPull", "codecommit:GitPush"],
         "Resource": "arn:aws:codecommit:us-east-1:123456789012:mlops-churn-*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    scheme, rest = clone_url.split("://", 1)
    return f"{scheme}://{quote(key['AccessKeyId'], safe='')}:{quote(key['SecretAccessKey'], safe='')}@{rest}"


def _source_state(codepipeline: Any, name: str) -> dict[str, Any]:
    return dict(codepipeline.get_pipeline_state(name=name)["stageStates"][0]["actionStates"][0].get("latestExecution", {}))


@pytest.mark.parametrize(("kind", "suffix", "marker"), KINDS)
def test_project_create_prints_clone_urls_of_repositories_holding_the_seed_code(platform: Platform, created: dict[str, str],
                                                                                 tmp_path: Path, kind: str, suffix: str, marker: str) -> None:
    endpoint = platform.aws.endpoint_url.replace("localhost", "127.0.0.1")
    clone_url = created[f"{kind}RepositoryCloneUrl"]
    assert clone_url == f"{endpoint}/codecommit/us-east-1/v1/repos/mlops-churn-{suffix}"
    assert f"{kind}SourceBucketName" not in created

    clone = tmp_path / suffix
    subprocess.run(["git", "clone", "-q", platform.accounts.git_remote(clone_url)[0], str(clone)], check=True, capture_output=True, timeout=60)
    [initial] = git("log", "--format=%H %s", cwd=clone).splitlines()  # one commit: the seed code
    commit, subject = initial.split(" ", 1)
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=clone).strip() == "main"
    assert (clone / "buildspec.yml").read_bytes() == (seed_root() / suffix / "buildspec.yml").read_bytes()
    assert (clone / marker).is_file() and not list(clone.rglob("__pycache__"))

    # CodePipeline's execution at the pipeline's creation built exactly that commit
    codepipeline, pipeline = platform.client("codepipeline"), f"mlops-churn-{suffix}"
    [first] = codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]
    assert first["trigger"]["triggerType"] == "CreatePipeline"
    source = wait_for(lambda: (found := _source_state(codepipeline, pipeline)).get("status") in ("Succeeded", "Failed") and found, timeout=30)
    assert source["status"] == "Succeeded", source
    assert (source["externalExecutionId"], source["summary"]) == (commit, subject)


def test_a_git_push_to_the_projects_model_build_repository_starts_its_pipeline(platform: Platform, created: dict[str, str],
                                                                                tmp_path: Path) -> None:
    remote = _remote(platform, created["ModelBuildRepositoryCloneUrl"], "dee")
    work = tmp_path / "modelbuild"
    subprocess.run(["git", "clone", "-q", remote, str(work)], check=True, capture_output=True, timeout=60)
    (work / "README.md").write_text("# churn\n\nModel build of the churn project.\n")
    git("add", "README.md", cwd=work)
    git("commit", "-q", "-m", "Describe the project", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work).strip()
    codepipeline = platform.client("codepipeline")
    known = execution_ids(codepipeline, "mlops-churn-modelbuild")
    git("push", "-q", "origin", "main", cwd=work)

    execution_id = wait_for_new_execution(codepipeline, "mlops-churn-modelbuild", known, timeout=15)
    execution = codepipeline.get_pipeline_execution(pipelineName="mlops-churn-modelbuild", pipelineExecutionId=execution_id)["pipelineExecution"]
    assert execution["trigger"]["triggerType"] == "CloudWatchEvent"
    assert execution["trigger"]["triggerDetail"].endswith(":rule/mlops-churn-modelbuild-on-push")
    source = wait_for(lambda: (found := _source_state(codepipeline, "mlops-churn-modelbuild")).get("externalExecutionId") == commit
                      and found.get("status") == "Succeeded" and found, timeout=30)
    assert source["summary"] == "Describe the project"


def test_a_push_to_a_repository_that_does_not_exist_is_refused(platform: Platform, created: dict[str, str], tmp_path: Path) -> None:
    missing = created["ModelBuildRepositoryCloneUrl"].replace("mlops-churn-modelbuild", "mlops-churn-nothing")
    remote = platform.accounts.git_remote(missing)[0]
    refused = subprocess.run(["git", "ls-remote", remote], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "not found" in refused.stderr


def test_mlops_project_clone_gives_a_checkout_whose_push_starts_the_pipeline(platform: Platform, state_dir: str,
                                                                           created: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "churn-deploy"
    result = CliRunner().invoke(cli, ["project", "clone", "churn", "--repository", "modeldeploy", "--into", str(target),
                                      "--state-dir", state_dir, "--output", "json"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert (body["repository"], body["clone_url"], body["directory"]) == (
        "mlops-churn-modeldeploy", created["ModelDeployRepositoryCloneUrl"], str(target))
    assert len(body["commit"]) == 40 and (target / "endpoint-config-template.yml").is_file()

    (target / "NOTES.md").write_text("deploy notes\n")
    git("add", "NOTES.md", cwd=target)
    git("commit", "-q", "-m", "Add deploy notes", cwd=target)
    codepipeline = platform.client("codepipeline")
    known = execution_ids(codepipeline, "mlops-churn-modeldeploy")
    git("push", "-q", "origin", "main", cwd=target)  # the clone keeps its credentials
    wait_for_new_execution(codepipeline, "mlops-churn-modeldeploy", known, timeout=15)

    again = CliRunner().invoke(cli, ["project", "clone", "churn", "--repository", "modeldeploy", "--into", str(target),
                                     "--state-dir", state_dir])
    assert (again.exit_code, again.stderr) == (2, f"error: {target} already exists and is not an empty folder\n")
    unknown = CliRunner().invoke(cli, ["project", "clone", "nope", "--state-dir", state_dir])
    assert (unknown.exit_code, unknown.stderr) == (2, "error: no project named 'nope'\n")
