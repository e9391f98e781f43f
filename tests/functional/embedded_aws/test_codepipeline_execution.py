"""Extension codepipeline-execution (and the CodePipeline target of events-targets): executions really run."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import trust_policy, wait_for

ROLE = "arn:aws:iam::123456789012:role/pipeline"
#: What the pipeline's role needs: read the source, write and read artifacts, run the build.
PIPELINE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Source", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::source", "arn:aws:s3:::source/*"]},
    {"Sid": "Artifacts", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::artifacts/*"},
    {"Sid": "Build", "Effect": "Allow", "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
     "Resource": "arn:aws:codebuild:us-east-1:123456789012:project/model-build"}]}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("buildspec.yml", date_time=(2020, 1, 1, 0, 0, 0)), "version: 0.2\n")
    return buffer.getvalue()


def _action(name: str, category: str, provider: str, configuration: dict[str, str], inputs: tuple[str, ...] = (),
            outputs: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"name": name, "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"},
            "configuration": configuration, "inputArtifacts": [{"name": n} for n in inputs],
            "outputArtifacts": [{"name": n} for n in outputs]}


@pytest.fixture
def pipeline(aws: EmbeddedAws) -> Any:
    s3, build, cp = aws.client("s3"), aws.client("codebuild"), aws.client("codepipeline")
    iam = aws.client("iam")
    iam.create_role(RoleName="pipeline", AssumeRolePolicyDocument=trust_policy("codepipeline.amazonaws.com"))
    iam.put_role_policy(RoleName="pipeline", PolicyName="run", PolicyDocument=json.dumps(PIPELINE_POLICY))
    for bucket in ("source", "artifacts"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket="source", VersioningConfiguration={"Status": "Enabled"})
    build.create_project(name="model-build", source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"},
                         environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
                         serviceRole=ROLE)
    cp.create_pipeline(pipeline={
        "name": "model-build", "roleArn": ROLE, "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [
            {"name": "Source", "actions": [_action("Code", "Source", "S3", {"S3Bucket": "source", "S3ObjectKey": "repo.zip"},
                                                   outputs=("SourceOutput",))]},
            {"name": "Build", "actions": [_action("Pipeline", "Build", "CodeBuild", {"ProjectName": "model-build"}, inputs=("SourceOutput",))]},
            {"name": "Release", "actions": [_action("Approve", "Approval", "Manual", {})]},
        ]})
    wait_for(lambda: _latest(cp)["status"] == "Failed")  # the run creation started: the source object is not there yet
    return cp


def _latest(cp: Any) -> dict[str, Any]:
    [latest, *_] = cp.list_pipeline_executions(pipelineName="model-build")["pipelineExecutionSummaries"]
    return latest


def _actions(cp: Any) -> dict[str, dict[str, Any]]:
    state = cp.get_pipeline_state(name="model-build")
    return {a["actionName"]: a.get("latestExecution", {}) for s in state["stageStates"] for a in s["actionStates"]}


def test_creating_a_pipeline_starts_its_first_execution(aws: EmbeddedAws, pipeline: Any) -> None:
    [first] = pipeline.list_pipeline_executions(pipelineName="model-build")["pipelineExecutionSummaries"]
    assert first["trigger"] == {"triggerType": "CreatePipeline", "triggerDetail": ""}
    assert first["status"] == "Failed"
    execution = pipeline.get_pipeline_execution(pipelineName="model-build",
                                                pipelineExecutionId=first["pipelineExecutionId"])["pipelineExecution"]
    assert execution["statusSummary"] == "Source/Code: The object with key 'repo.zip' does not exist in bucket 'source'"


def test_push_event_starts_the_pipeline_which_waits_for_approval(aws: EmbeddedAws, pipeline: Any) -> None:
    s3, events = aws.client("s3"), aws.client("events")
    s3.put_bucket_notification_configuration(Bucket="source", NotificationConfiguration={"EventBridgeConfiguration": {}})
    rule = events.put_rule(Name="on-push", EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["source"]}, "object": {"key": ["repo.zip"]}}}))["RuleArn"]
    events.put_targets(Rule="on-push", Targets=[{"Id": "pipeline", "Arn": "arn:aws:codepipeline:us-east-1:123456789012:model-build",
                                                 "RoleArn": ROLE}])
    version = s3.put_object(Bucket="source", Key="repo.zip", Body=_zip())["VersionId"]

    wait_for(lambda: _actions(pipeline)["Approve"].get("status") == "InProgress")
    latest = _latest(pipeline)
    assert latest["status"] == "InProgress"
    assert latest["trigger"] == {"triggerType": "CloudWatchEvent", "triggerDetail": rule}
    assert latest["sourceRevisions"] == [{"actionName": "SourceOutput", "revisionId": version}]
    actions = _actions(pipeline)
    assert actions["Code"]["status"] == "Succeeded" and actions["Code"]["externalExecutionId"] == version
    build_id = actions["Pipeline"]["externalExecutionId"]
    [build] = aws.client("codebuild").batch_get_builds(ids=[build_id])["builds"]
    assert build["projectName"] == "model-build" and build["sourceVersion"].startswith("arn:aws:s3:::artifacts/model-build/SourceOutput/")
    stored = build["sourceVersion"].split(":::artifacts/", 1)[1]
    assert s3.get_object(Bucket="artifacts", Key=stored)["Body"].read() == _zip()

    pipeline.put_approval_result(pipelineName="model-build", stageName="Release", actionName="Approve",
                                 result={"summary": "looks good", "status": "Approved"}, token=actions["Approve"]["token"])
    wait_for(lambda: _latest(pipeline)["status"] == "Succeeded")
    assert _actions(pipeline)["Approve"]["summary"] == "Approved: looks good"


def test_rejection_fails_the_execution_with_the_reason(aws: EmbeddedAws, pipeline: Any) -> None:
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    execution_id = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    token = wait_for(lambda: _actions(pipeline)["Approve"].get("token"))
    with pytest.raises(pipeline.exceptions.InvalidApprovalTokenException):
        pipeline.put_approval_result(pipelineName="model-build", stageName="Release", actionName="Approve",
                                     result={"summary": "x", "status": "Approved"}, token="not-the-token")
    pipeline.put_approval_result(pipelineName="model-build", stageName="Release", actionName="Approve",
                                 result={"summary": "metrics regressed", "status": "Rejected"}, token=token)
    wait_for(lambda: _latest(pipeline)["status"] == "Failed")
    execution = pipeline.get_pipeline_execution(pipelineName="model-build", pipelineExecutionId=execution_id)["pipelineExecution"]
    assert execution["statusSummary"] == "Release/Approve: Rejected: metrics regressed"
    assert execution["trigger"]["triggerType"] == "StartPipelineExecution"


def test_missing_source_object_fails_the_source_stage(pipeline: Any) -> None:
    execution_id = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _latest(pipeline)["pipelineExecutionId"] == execution_id and _latest(pipeline)["status"] == "Failed")
    assert _actions(pipeline)["Code"] == {**_actions(pipeline)["Code"], "status": "Failed",
                                         "summary": "The object with key 'repo.zip' does not exist in bucket 'source'"}
    assert "latestExecution" not in {a["actionName"]: a for s in pipeline.get_pipeline_state(name="model-build")["stageStates"]
                                     for a in s["actionStates"]}["Pipeline"]


@pytest.mark.parametrize(("removed", "summary"), [
    ("Source", "Source/Code: Insufficient permissions The service role or action role doesn't have the permissions required to access "
               "the Amazon S3 bucket named source. Update the IAM role permissions, and then try again. Error: Amazon S3:AccessDenied:User: "
               "arn:aws:sts::123456789012:assumed-role/pipeline/{execution} is not authorized to perform: s3:GetObjectVersion on "
               "resource: arn:aws:s3:::source/repo.zip because no identity-based policy allows the s3:GetObjectVersion action"),
    ("Artifacts", "Source/Code: Insufficient permissions: the service role or action role cannot write the output artifact SourceOutput "
                  "to the artifact store artifacts. Error: Amazon S3:AccessDenied:User: arn:aws:sts::123456789012:assumed-role/pipeline/"
                  "{execution} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::artifacts/"),
    ("Build", "Build/Pipeline: User: arn:aws:sts::123456789012:assumed-role/pipeline/{execution} is not authorized to perform: "
              "codebuild:StartBuild on resource: arn:aws:codebuild:us-east-1:123456789012:project/model-build because no "
              "identity-based policy allows the codebuild:StartBuild action"),
], ids=["source", "artifacts", "build"])
def test_each_action_acts_as_the_role_and_fails_with_what_iam_refused(aws: EmbeddedAws, pipeline: Any, removed: str, summary: str) -> None:
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    policy = {**PIPELINE_POLICY, "Statement": [s for s in PIPELINE_POLICY["Statement"] if s["Sid"] != removed]}
    aws.client("iam").put_role_policy(RoleName="pipeline", PolicyName="run", PolicyDocument=json.dumps(policy))
    execution_id = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _latest(pipeline)["pipelineExecutionId"] == execution_id and _latest(pipeline)["status"] == "Failed")
    failed = pipeline.get_pipeline_execution(pipelineName="model-build", pipelineExecutionId=execution_id)["pipelineExecution"]
    assert failed["statusSummary"].startswith(summary.format(execution=execution_id))
    assert aws.client("codebuild").list_builds()["ids"] == []  # nothing was built


def test_unemulated_provider_fails_naming_it(aws: EmbeddedAws, pipeline: Any) -> None:
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    declaration = pipeline.get_pipeline(name="model-build")["pipeline"]
    declaration["stages"][2]["actions"] = [_action("Deploy", "Deploy", "ElasticBeanstalk", {})]
    pipeline.update_pipeline(pipeline=declaration)
    execution_id = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _latest(pipeline)["pipelineExecutionId"] == execution_id and _latest(pipeline)["status"] == "Failed")
    assert _latest(pipeline)["statusSummary"] == (
        "Release/Deploy: action provider AWS/ElasticBeanstalk (Deploy) is not emulated by the embedded AWS")


def test_without_the_extension_moto_succeeds_at_once(pipeline: Any) -> None:
    with extensions.disabled("codepipeline-execution"):
        pipeline.start_pipeline_execution(name="model-build")
        assert _latest(pipeline)["status"] == "Succeeded"  # nothing ran: not even the missing source object failed


def test_build_action_environment_variables_override_the_projects(aws: EmbeddedAws, pipeline: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("buildspec.yml", "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"stage=$STAGE\"\n")
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=buffer.getvalue())
    declaration = pipeline.get_pipeline(name="model-build")["pipeline"]
    declaration["stages"][1]["actions"][0]["configuration"]["EnvironmentVariables"] = json.dumps(
        [{"name": "STAGE", "value": "prod", "type": "PLAINTEXT"}])
    pipeline.update_pipeline(pipeline=declaration)
    pipeline.start_pipeline_execution(name="model-build")
    build_id = wait_for(lambda: _actions(pipeline)["Approve"].get("status") == "InProgress" and _actions(pipeline)["Pipeline"]["externalExecutionId"])
    events = aws.client("logs").get_log_events(logGroupName="/aws/codebuild/model-build", logStreamName=build_id.split(":", 1)[1])["events"]
    assert "stage=prod" in [e["message"].strip() for e in events]


def _status(cp: Any, execution_id: str) -> str:
    return str(cp.get_pipeline_execution(pipelineName="model-build", pipelineExecutionId=execution_id)["pipelineExecution"]["status"])


def _stage(cp: Any, name: str) -> dict[str, Any]:
    return next(s for s in cp.get_pipeline_state(name="model-build")["stageStates"] if s["stageName"] == name)


def _approve(cp: Any, summary: str = "ok") -> None:
    token = wait_for(lambda: _actions(cp)["Approve"].get("status") == "InProgress" and _actions(cp)["Approve"].get("token"))
    cp.put_approval_result(pipelineName="model-build", stageName="Release", actionName="Approve",
                           result={"summary": summary, "status": "Approved"}, token=token)


def _set_mode(cp: Any, mode: str) -> None:
    declaration = cp.get_pipeline(name="model-build")["pipeline"]
    cp.update_pipeline(pipeline={**declaration, "pipelineType": "V2", "executionMode": mode})


def test_a_locked_stage_holds_the_next_execution_and_a_more_recent_one_supersedes_it(aws: EmbeddedAws, pipeline: Any) -> None:
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    first = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _stage(pipeline, "Release").get("latestExecution", {}).get("pipelineExecutionId") == first)
    second = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _stage(pipeline, "Build")["latestExecution"]["pipelineExecutionId"] == second
             and _stage(pipeline, "Build")["latestExecution"]["status"] == "Succeeded")
    # The second waits in front of Release, which the first holds until its approval.
    assert _status(pipeline, second) == "InProgress"
    assert _stage(pipeline, "Release")["latestExecution"] == {"pipelineExecutionId": first, "status": "InProgress"}
    third = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _status(pipeline, second) == "Superseded")
    assert _status(pipeline, third) == "InProgress"

    _approve(pipeline, "first")
    wait_for(lambda: _status(pipeline, first) == "Succeeded")
    wait_for(lambda: _stage(pipeline, "Release")["latestExecution"]["pipelineExecutionId"] == third)
    _approve(pipeline, "third")
    wait_for(lambda: _status(pipeline, third) == "Succeeded")
    assert _status(pipeline, second) == "Superseded"  # it never entered Release
    assert _actions(pipeline)["Approve"]["summary"] == "Approved: third"


def test_queued_mode_lets_every_waiting_execution_through_in_order(aws: EmbeddedAws, pipeline: Any) -> None:
    _set_mode(pipeline, "QUEUED")
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    started = [pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"] for _ in range(3)]
    approved = []
    for _ in started:
        wait_for(lambda: _actions(pipeline)["Approve"].get("token"))
        approved.append(_stage(pipeline, "Release")["latestExecution"]["pipelineExecutionId"])
        _approve(pipeline)
        wait_for(lambda: _status(pipeline, approved[-1]) == "Succeeded")
    assert approved == started
    assert [_status(pipeline, e) for e in started] == ["Succeeded"] * 3


def test_parallel_mode_lets_a_later_execution_into_a_stage_an_earlier_one_is_in(aws: EmbeddedAws, pipeline: Any) -> None:
    _set_mode(pipeline, "PARALLEL")
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    first = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _stage(pipeline, "Release").get("latestExecution", {}).get("pipelineExecutionId") == first)
    second = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    wait_for(lambda: _stage(pipeline, "Release")["latestExecution"]["pipelineExecutionId"] == second)
    _approve(pipeline, "second")
    wait_for(lambda: _status(pipeline, second) == "Succeeded")
    assert _status(pipeline, first) == "InProgress"  # still at its own approval


def _revision(cp: Any, execution_id: str) -> str:
    def revisions() -> list[dict[str, Any]]:
        return list(cp.get_pipeline_execution(pipelineName="model-build", pipelineExecutionId=execution_id)["pipelineExecution"]
                    ["artifactRevisions"])

    return str(wait_for(revisions)[0]["revisionId"])


def test_each_execution_takes_the_source_version_current_when_it_started(aws: EmbeddedAws, pipeline: Any) -> None:
    s3 = aws.client("s3")
    first_version = s3.put_object(Bucket="source", Key="repo.zip", Body=_zip())["VersionId"]
    first = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    second_version = s3.put_object(Bucket="source", Key="repo.zip", Body=_zip() + b" ")["VersionId"]  # before the first ran its source
    second = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    assert (_revision(pipeline, first), _revision(pipeline, second)) == (first_version, second_version)


def test_source_revisions_are_fixed_at_the_start(aws: EmbeddedAws, pipeline: Any) -> None:
    from moto.codepipeline.models import codepipeline_backends

    from embedded_aws.extensions.codepipeline_execution import source_revisions

    backend = codepipeline_backends["123456789012"]["us-east-1"]
    declaration = pipeline.get_pipeline(name="model-build")["pipeline"]
    assert source_revisions(backend, declaration) == {"Code": ""}  # nothing uploaded yet: the action will say so
    version = aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())["VersionId"]
    assert source_revisions(backend, declaration) == {"Code": version}
    aws.client("s3").create_bucket(Bucket="unversioned")
    aws.client("s3").put_object(Bucket="unversioned", Key="repo.zip", Body=_zip())
    declaration["stages"][0]["actions"][0]["configuration"]["S3Bucket"] = "unversioned"
    assert source_revisions(backend, declaration) == {}  # no version to fix: the action reads the object as it is then


def test_an_execution_started_before_the_upload_fails_even_if_the_object_arrives_meanwhile(aws: EmbeddedAws, pipeline: Any) -> None:
    execution_id = pipeline.start_pipeline_execution(name="model-build")["pipelineExecutionId"]
    aws.client("s3").put_object(Bucket="source", Key="repo.zip", Body=_zip())
    wait_for(lambda: _status(pipeline, execution_id) != "InProgress")
    failed = pipeline.get_pipeline_execution(pipelineName="model-build", pipelineExecutionId=execution_id)["pipelineExecution"]
    assert (failed["status"], failed["statusSummary"]) == (
        "Failed", "Source/Code: The object with key 'repo.zip' does not exist in bucket 'source'")
