"""The model-build source as a CodeCommit repository: a data scientist's ``git push`` builds and registers a model."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from embedded_aws import EmbeddedAws
from mlops_infra.assets import seed_root
from mlops_platform.modelbuild.ci import execution_ids, wait_for_ci, wait_for_new_execution
from mlops_platform.modelbuild.data import default_input_url, upload
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs
from support import Platform, deployed_platform

CONFIG = PlatformConfig(retain_data=False, repository_source="codecommit")


@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    return deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), CONFIG)


def git(*args: str, cwd: Path) -> str:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(cwd), "GIT_TERMINAL_PROMPT": "0",
           "GIT_AUTHOR_NAME": "Dee", "GIT_AUTHOR_EMAIL": "dee@example.com", "GIT_COMMITTER_NAME": "Dee",
           "GIT_COMMITTER_EMAIL": "dee@example.com"}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _data_scientist(platform: Platform, repository_arn: str) -> str:
    """An IAM user who may push to the model-build repository; the remote URL with their Git credentials."""
    iam = platform.client("iam")
    iam.create_user(UserName="dee")
    iam.put_user_policy(UserName="dee", PolicyName="push", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["codecommit:GitPull", "codecommit:GitPush"], "Resource": repository_arn}]}))
    key = iam.create_access_key(UserName="dee")["AccessKey"]
    scheme, rest = platform.outputs["ModelBuildRepositoryCloneUrl"].split("://", 1)
    return f"{scheme}://{quote(key['AccessKeyId'], safe='')}:{quote(key['SecretAccessKey'], safe='')}@{rest}"


def test_git_push_runs_ci_which_runs_the_pipeline_and_registers_a_version(platform: Platform, tmp_path: Path) -> None:
    outputs = ToolingOutputs.from_stack_outputs(platform.outputs)
    assert outputs.model_build_source_bucket_name is None and outputs.model_build_repository_name == "mlops-modelbuild"
    assert outputs.model_build_repository_clone_url == f"{platform.aws.endpoint_url.replace('localhost', '127.0.0.1')}" \
                                                       "/codecommit/us-east-1/v1/repos/mlops-modelbuild"
    repository = platform.client("codecommit").get_repository(repositoryName="mlops-modelbuild")["repositoryMetadata"]
    remote = _data_scientist(platform, repository["Arn"])
    data = tmp_path / "data.csv"
    from sklearn.datasets import load_breast_cancer

    load_breast_cancer(as_frame=True).frame.to_csv(data, index=False)
    upload(platform.client("s3"), data, default_input_url(outputs), outputs.artifacts_key_arn)

    work = tmp_path / "modelbuild"
    shutil.copytree(seed_root() / "modelbuild", work)
    git("init", "-q", "--initial-branch=main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "Model build: first version", cwd=work)
    commit = git("rev-parse", "HEAD", cwd=work).strip()
    codepipeline = platform.client("codepipeline")
    [created] = execution_ids(codepipeline, outputs.model_build_pipeline_name)  # CodePipeline's run at creation: nothing to build yet
    first = wait_for_ci(codepipeline, outputs.model_build_pipeline_name, created, timeout=60)
    assert (first["trigger"], first["status"], first["summary"]) == (
        "CreatePipeline", "Failed", "Source/Code: The branch main does not exist in the repository mlops-modelbuild (push a commit to it first)")
    git("push", "-q", remote, "main", cwd=work)

    execution = wait_for_new_execution(codepipeline, outputs.model_build_pipeline_name, [created], timeout=15)
    ci = wait_for_ci(codepipeline, outputs.model_build_pipeline_name, execution, timeout=600)
    assert ci["status"] == "Succeeded", ci
    assert ci["trigger"] == "CloudWatchEvent"
    source = ci["stages"][0]["actions"][0]
    assert (source["name"], source["summary"]) == ("Code", "Model build: first version")
    described = codepipeline.get_pipeline_execution(pipelineName=outputs.model_build_pipeline_name, pipelineExecutionId=execution)
    assert described["pipelineExecution"]["artifactRevisions"][0]["revisionId"] == commit
    sagemaker = platform.client("sagemaker")
    [package] = sagemaker.list_model_packages(ModelPackageGroupName=outputs.model_package_group_name)["ModelPackageSummaryList"]
    assert package["ModelApprovalStatus"] == "PendingManualApproval"


def test_mlops_pipeline_push_commits_the_folder_to_the_branch_and_follows_ci(run, platform: Platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bare = tmp_path / "empty"
    bare.mkdir()
    refused = run("pipeline", "push", "--source", str(bare))
    assert refused.exit_code == 2 and refused.stderr.splitlines()[-1] == f"error: {bare} is not a model-build repository: buildspec.yml missing"

    result = run("pipeline", "push", "--output", "json")
    assert result.exit_code == 0, result.stderr
    pushed = json.loads(result.stdout)
    assert len(pushed["source_version"]) == 40 and pushed["pipeline"] == "mlops-modelbuild"
    codepipeline = platform.client("codepipeline")
    ci = wait_for_ci(codepipeline, pushed["pipeline"], pushed["execution_id"], timeout=600)
    assert ci["status"] == "Succeeded" and ci["stages"][0]["actions"][0]["summary"] == "mlops pipeline push"
    clone = tmp_path / "clone"
    remote = platform.accounts.git_remote(platform.outputs["ModelBuildRepositoryCloneUrl"])[0]
    subprocess.run(["git", "clone", "-q", remote, str(clone)], check=True, capture_output=True, timeout=60)
    assert git("log", "--format=%H %s", cwd=clone).splitlines()[0] == f"{pushed['source_version']} mlops pipeline push"
    assert (clone / "buildspec.yml").read_bytes() == (seed_root() / "modelbuild" / "buildspec.yml").read_bytes()


def test_mlops_model_push_commits_the_model_deploy_repository_and_its_pipeline_runs(run, platform: Platform,  # type: ignore[no-untyped-def]
                                                                                     tmp_path: Path) -> None:
    outputs = ToolingOutputs.from_stack_outputs(platform.outputs)
    assert outputs.model_deploy_source_bucket_name is None and outputs.model_deploy_repository_name == "mlops-modeldeploy"
    result = run("model", "push", "--output", "json")
    assert result.exit_code == 0, result.stderr
    pushed = json.loads(result.stdout)
    assert len(pushed["source_version"]) == 40 and pushed["pipeline"] == "mlops-modeldeploy"
    ci = wait_for_ci(platform.client("codepipeline"), "mlops-modeldeploy", pushed["execution_id"], timeout=300)
    source, build = ci["stages"][0]["actions"][0], ci["stages"][1]["actions"][0]
    assert (ci["trigger"], source["status"], source["summary"]) == ("CloudWatchEvent", "Succeeded", "mlops model push")
    assert (ci["status"], build["name"], build["status"]) == ("Failed", "SelectModel", "Failed")  # nothing approved yet
    clone = tmp_path / "clone"
    remote = platform.accounts.git_remote(outputs.model_deploy_repository_clone_url or "")[0]
    subprocess.run(["git", "clone", "-q", remote, str(clone)], check=True, capture_output=True, timeout=60)
    assert git("log", "--format=%H", cwd=clone).split() == [pushed["source_version"]]
    assert (clone / "endpoint-config-template.yml").read_bytes() == (seed_root() / "modeldeploy" / "endpoint-config-template.yml").read_bytes()
