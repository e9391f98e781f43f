"""CodeCommit repositories take git push and git clone, with IAM GitPush/GitPull, and a push emits its event."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws
from support import event_queue, queued_events, trust_policy, wait_for, zip_module

PUSH_AND_PULL = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["codecommit:GitPull", "codecommit:GitPush"],
     "Resource": "arn:aws:codecommit:us-east-1:123456789012:modelbuild"}]}


def git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(cwd or Path.cwd()), "GIT_TERMINAL_PROMPT": "0",
           "GIT_AUTHOR_NAME": "Ana", "GIT_AUTHOR_EMAIL": "ana@example.com", "GIT_COMMITTER_NAME": "Ana",
           "GIT_COMMITTER_EMAIL": "ana@example.com"}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _user(aws: EmbeddedAws, name: str, policy: dict | None) -> tuple[str, str]:
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="git", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _authenticated(url: str, key: tuple[str, str]) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{quote(key[0], safe='')}:{quote(key[1], safe='')}@{rest}"


@pytest.fixture
def repository(aws: EmbeddedAws) -> str:
    described = aws.client("codecommit").create_repository(repositoryName="modelbuild")["repositoryMetadata"]
    assert described["cloneUrlHttp"] == f"{aws.endpoint_url.replace('localhost', '127.0.0.1')}/codecommit/us-east-1/v1/repos/modelbuild"
    return str(described["cloneUrlHttp"])


def _commit(folder: Path, text: str) -> str:
    (folder / "README.md").write_text(text)
    git("add", "README.md", cwd=folder)
    git("commit", "-q", "-m", text, cwd=folder)
    return git("rev-parse", "HEAD", cwd=folder).stdout.strip()


def test_push_then_clone_and_the_push_is_announced(aws: EmbeddedAws, repository: str, tmp_path: Path) -> None:
    key = _user(aws, "ana", PUSH_AND_PULL)
    queue = event_queue(aws, "pushes", {"source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"]})
    work = tmp_path / "work"
    git("init", "-q", "--initial-branch=main", str(work))
    first = _commit(work, "first")
    git("push", "-q", _authenticated(repository, key), "main", cwd=work)
    second = _commit(work, "second")
    git("push", "-q", _authenticated(repository, key), "main", cwd=work)

    clone = tmp_path / "clone"
    git("clone", "-q", _authenticated(repository, key), str(clone))
    assert git("log", "--format=%H", cwd=clone).stdout.split() == [second, first]
    events = wait_for(lambda: (found := queued_events(aws, queue)) and len(found) >= 2 and found, timeout=10)
    details = [e["detail"] for e in events]
    assert [(d["event"], d["referenceName"], d["commitId"], d.get("oldCommitId")) for d in details] == [
        ("referenceCreated", "main", first, None), ("referenceUpdated", "main", second, first)]
    assert details[0]["callerUserArn"] == "arn:aws:iam::123456789012:user/ana" and details[0]["referenceType"] == "branch"
    assert events[0]["resources"] == ["arn:aws:codecommit:us-east-1:123456789012:modelbuild"]


def test_push_needs_git_push_on_the_repository(aws: EmbeddedAws, repository: str, tmp_path: Path) -> None:
    reader = _user(aws, "bo", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "codecommit:GitPull", "Resource": "*"}]})
    work = tmp_path / "work"
    git("init", "-q", "--initial-branch=main", str(work))
    _commit(work, "first")
    refused = git("push", "-q", _authenticated(repository, reader), "main", cwd=work, check=False)
    assert refused.returncode != 0 and "403" in refused.stderr
    git("clone", "-q", _authenticated(repository, reader), str(tmp_path / "clone"))  # pulling is allowed


def test_wrong_secret_missing_repository_and_no_credentials_are_refused(aws: EmbeddedAws, repository: str, tmp_path: Path) -> None:
    key = _user(aws, "ana", PUSH_AND_PULL)
    wrong = git("ls-remote", _authenticated(repository, (key[0], "not-the-secret")), check=False)
    assert wrong.returncode != 0 and "Authentication failed" in wrong.stderr
    anonymous = git("ls-remote", repository, check=False)
    assert anonymous.returncode != 0
    missing = git("ls-remote", _authenticated(repository.replace("modelbuild", "nope"), key), check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr
    assert git("ls-remote", _authenticated(repository, key)).stdout == ""  # empty until the first push
    role = aws.client("iam").create_role(RoleName="builder", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    session = aws.client("sts").assume_role(RoleArn=role, RoleSessionName="ci-build")["Credentials"]
    as_session = git("ls-remote", _authenticated(repository, (session["AccessKeyId"], session["SecretAccessKey"])), check=False)
    assert as_session.returncode != 0 and "Authentication failed" in as_session.stderr


def _source_pipeline(aws: EmbeddedAws) -> Any:
    """Pipeline ``model-build``: the repository's main branch, then a manual approval; a push starts it (EventBridge)."""
    iam, cp, events = aws.client("iam"), aws.client("codepipeline"), aws.client("events")
    role = iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=trust_policy("codepipeline.amazonaws.com"))["Role"]["Arn"]
    aws.client("s3").create_bucket(Bucket="artifacts")
    source = {"name": "Code", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
              "configuration": {"RepositoryName": "modelbuild", "BranchName": "main", "PollForSourceChanges": "false"},
              "outputArtifacts": [{"name": "SourceOutput"}]}
    approve = {"name": "Approve", "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}
    cp.create_pipeline(pipeline={"name": "model-build", "roleArn": role, "artifactStore": {"type": "S3", "location": "artifacts"},
                                 "stages": [{"name": "Source", "actions": [source]}, {"name": "Release", "actions": [approve]}]})
    events.put_rule(Name="on-push", EventPattern=json.dumps({
        "source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"],
        "resources": ["arn:aws:codecommit:us-east-1:123456789012:modelbuild"],
        "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"], "referenceName": ["main"]}}))
    events.put_targets(Rule="on-push", Targets=[{"Id": "pipeline", "Arn": "arn:aws:codepipeline:us-east-1:123456789012:model-build",
                                                 "RoleArn": role}])
    _source_action(cp, 1, "Failed")  # the run creating the pipeline starts: the repository is empty (and unreadable) yet
    return cp


def _source_action(cp: Any, executions: int, status: str) -> dict[str, Any]:
    """The source action of the ``executions``-th run, once it is ``status``."""
    wait_for(lambda: len(cp.list_pipeline_executions(pipelineName="model-build")["pipelineExecutionSummaries"]) == executions,
             timeout=10)

    def latest() -> dict[str, Any]:
        return dict(cp.get_pipeline_state(name="model-build")["stageStates"][0]["actionStates"][0].get("latestExecution", {}))

    return wait_for(lambda: (found := latest()).get("status") == status and found, timeout=10)


def test_a_push_starts_the_pipeline_whose_source_is_the_branch_tip(aws: EmbeddedAws, repository: str, tmp_path: Path) -> None:
    key = _user(aws, "ana", PUSH_AND_PULL)
    cp = _source_pipeline(aws)
    work = tmp_path / "work"
    git("init", "-q", "--initial-branch=main", str(work))
    _commit(work, "first")
    git("push", "-q", _authenticated(repository, key), "main", cwd=work)
    refused = _source_action(cp, 2, "Failed")  # the pipeline role may not read the repository yet
    assert refused["summary"].startswith("The service role or action role doesn't have the permissions required to access the AWS "
                                         "CodeCommit repository named modelbuild.")
    assert "is not authorized to perform: codecommit:GetBranch" in refused["summary"]

    aws.client("iam").put_role_policy(RoleName="pipeline", PolicyName="source", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["codecommit:GetBranch", "codecommit:GetCommit", "codecommit:UploadArchive"],
             "Resource": "arn:aws:codecommit:us-east-1:123456789012:modelbuild"},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::artifacts/*"}]}))
    second = _commit(work, "train with more trees")
    git("push", "-q", _authenticated(repository, key), "main", cwd=work)
    source = _source_action(cp, 3, "Succeeded")
    assert (source["status"], source["summary"], source["externalExecutionId"]) == ("Succeeded", "train with more trees", second)
    [latest, *_] = cp.list_pipeline_executions(pipelineName="model-build")["pipelineExecutionSummaries"]
    assert latest["sourceRevisions"] == [{"actionName": "SourceOutput", "revisionId": second}]


def test_a_stack_creates_the_repository_with_its_initial_code(aws: EmbeddedAws, tmp_path: Path) -> None:
    s3, cfn = aws.client("s3"), aws.client("cloudformation")
    s3.create_bucket(Bucket="seeds")
    s3.put_object(Bucket="seeds", Key="modelbuild.zip", Body=zip_module({"buildspec.yml": "version: 0.2\n", "pipelines/a.py": "x = 1\n"}))
    template = {"Resources": {"Repo": {"Type": "AWS::CodeCommit::Repository", "Properties": {
        "RepositoryName": "seeded", "Code": {"S3": {"Bucket": "seeds", "Key": "modelbuild.zip"}, "BranchName": "main"}}}},
        "Outputs": {"Url": {"Value": {"Fn::GetAtt": ["Repo", "CloneUrlHttp"]}}}}
    cfn.create_stack(StackName="repo", TemplateBody=json.dumps(template))
    [stack] = cfn.describe_stacks(StackName="repo")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    key = _user(aws, "ana", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "codecommit:GitPull", "Resource": "*"}]})
    clone = tmp_path / "clone"
    git("clone", "-q", _authenticated(stack["Outputs"][0]["OutputValue"], key), str(clone))
    assert (clone / "buildspec.yml").read_text() == "version: 0.2\n" and (clone / "pipelines" / "a.py").read_text() == "x = 1\n"
    assert git("log", "--format=%an %s", cwd=clone).stdout.strip() == "AWS CloudFormation Initial commit"

    template["Resources"]["Repo"]["Properties"].update(RepositoryName="missing", Code={"S3": {"Bucket": "seeds", "Key": "nope.zip"}})
    cfn.create_stack(StackName="broken", TemplateBody=json.dumps(template))
    [broken] = cfn.describe_stacks(StackName="broken")["Stacks"]
    assert broken["StackStatus"] in ("CREATE_FAILED", "ROLLBACK_COMPLETE")
    reasons = [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName="broken")["StackEvents"]]
    assert any("Code: no object s3://seeds/nope.zip" in reason for reason in reasons), reasons
    with pytest.raises(ClientError) as gone:  # the repository created before the code failed is removed again
        aws.client("codecommit").get_repository(repositoryName="missing")
    assert gone.value.response["Error"]["Code"] == "RepositoryDoesNotExistException"


def test_an_execution_fixes_the_branch_tip_when_it_starts(aws: EmbeddedAws, repository: str, tmp_path: Path) -> None:
    from moto.codepipeline.models import codepipeline_backends

    from embedded_aws.extensions.codepipeline_execution import source_revisions

    key = _user(aws, "ana", PUSH_AND_PULL)
    cp = _source_pipeline(aws)
    declaration = cp.get_pipeline(name="model-build")["pipeline"]
    backend = codepipeline_backends["123456789012"]["us-east-1"]
    assert source_revisions(backend, declaration) == {"Code": ""}  # an empty repository: the action says the branch has no commit
    work = tmp_path / "work"
    git("init", "-q", "--initial-branch=main", str(work))
    first = _commit(work, "first")
    git("push", "-q", _authenticated(repository, key), "main", cwd=work)
    assert source_revisions(backend, declaration) == {"Code": first}
    declaration["stages"][0]["actions"][0]["configuration"]["RepositoryName"] = "missing"
    assert source_revisions(backend, declaration) == {}  # the action fails saying the repository does not exist
