"""CodePipeline runs its executions: stages in order, actions by run order, each with a real outcome.

moto 5.2.5 marks every execution ``Succeeded`` the moment it starts, never starts one when a pipeline is
created, and has no GetPipelineState or PutApprovalResult. Here, as in CodePipeline, creating a pipeline
starts its first execution (trigger ``CreatePipeline``), and an execution starts ``InProgress`` and a worker
runs it:

* every action acts as its role (the action's, else the pipeline's): it reads and writes artifacts through S3
  with that role's session (bucket policies and the store's KMS key apply), and its calls must be allowed to it;
  a refusal fails the action with IAM's message.
* ``Source/S3`` reads the object's current version from the source bucket and writes it into the artifact store;
  a missing object fails the action, as in CodePipeline.
* ``Source/CodeCommit`` zips the tip of the branch (``CODE_ZIP``) of a repository the action's role may read
  (``codecommit:GetBranch``, ``GetCommit``, ``UploadArchive``); the summary is the commit's subject.
* ``Build/CodeBuild`` starts a build of the project on the input artifact (with the action's
  ``EnvironmentVariables`` over the project's; ``codebuild:StartBuild``/``BatchGetBuilds``) and follows it to its end.
* ``Approval/Manual`` waits for PutApprovalResult with the action's token; ``Rejected`` fails the stage.
* any other provider fails its action, naming the provider, rather than passing silently.
* executions pass through stages by the pipeline's ``executionMode`` (:mod:`.codepipeline_stage_locks`): by default a
  stage holds one execution at a time, and a more recent execution supersedes one waiting in front of it
  (status ``Superseded``). GetPipelineState shows each stage as the latest execution that entered it left it.

A failed action fails its stage and the execution, with ``statusSummary`` naming stage, action and cause.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from moto.codebuild.models import codebuild_backends
from moto.codecommit.models import codecommit_backends
from moto.codepipeline.models import CodePipelineBackend, PipelineExecution, codepipeline_backends
from moto.codepipeline.responses import CodePipelineResponse
from moto.core.exceptions import JsonRESTError
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.arns import parse_arn

from embedded_aws.extensions import events_targets
from embedded_aws.extensions.base import Extension, Patcher, Workers
from embedded_aws.extensions.codecommit_git import archive, tip
from embedded_aws.extensions.codepipeline_stage_locks import Entry, StageLocks
from embedded_aws.extensions.iam_authorization import AUTHORIZER
from embedded_aws.iam.actions import Authorization
from embedded_aws.role_session import RoleSession

POLL_SECONDS = 0.05
WORKERS = Workers("codepipeline")


class ActionFailed(Exception):
    """The action ended in Failed; the message becomes its summary."""


class InvalidApprovalToken(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidApprovalTokenException", message)


class ActionState:
    def __init__(self, name: str) -> None:
        self.name, self.status, self.summary = name, "", ""
        self.token: str | None = None
        self.external_id: str | None = None
        self.changed = utcnow()
        self.approval: dict[str, str] | None = None
        self.decided = threading.Event()

    def set(self, status: str, summary: str = "") -> None:
        self.status, self.summary, self.changed = status, summary, utcnow()

    def to_dict(self) -> dict[str, Any]:
        latest: dict[str, Any] = {"status": self.status, "summary": self.summary,
                                  "lastStatusChange": iso_8601_datetime_with_milliseconds(self.changed)}
        if self.token and self.status == "InProgress":
            latest["token"] = self.token
        if self.external_id:
            latest["externalExecutionId"] = self.external_id
        return {"actionName": self.name, **({"latestExecution": latest} if self.status else {})}


class Run:
    """What the worker knows of one execution: stage and action states, artifacts, the approval gates."""

    def __init__(self, backend: CodePipelineBackend, declaration: dict[str, Any], execution: PipelineExecution,
                 locks: StageLocks) -> None:
        self.backend, self.declaration, self.execution, self.locks = backend, declaration, execution, locks
        self.stages: dict[str, str] = {}
        self.actions: dict[tuple[str, str], ActionState] = {}
        self.artifacts: dict[str, tuple[str, str]] = {}
        self.revisions: list[dict[str, Any]] = []
        self.sessions: dict[str, RoleSession] = {}
        self.pinned: dict[str, str] = {}  # source action → the revision it takes, fixed at the start (see source_revisions)

    @property
    def account(self) -> str:
        return self.backend.account_id

    @property
    def region(self) -> str:
        return self.backend.region_name

    def role(self, action: dict[str, Any]) -> str:
        """The role the action acts as: its own, or the pipeline's."""
        return str(action.get("roleArn") or self.declaration["roleArn"])

    def session(self, action: dict[str, Any]) -> RoleSession:
        """A session of the action's role (one per role and execution)."""
        role = self.role(action)
        if role not in self.sessions:
            self.sessions[role] = RoleSession.of(role, self.region, self.execution.pipeline_execution_id)
        return self.sessions[role]

    def require(self, action: dict[str, Any], permissions: list[tuple[str, str]], passed_roles: tuple[tuple[str, str], ...] = (),
                explanation: str = "") -> None:
        """Fail the action, with IAM's message (after ``explanation``, CodePipeline's words for it, if any), unless its role
        may make these calls (``(action, resource ARN)``)."""
        for index, (permission, resource) in enumerate(permissions):
            passed = passed_roles if index == 0 else ()
            refusal = AUTHORIZER.check_as_role(self.role(action), self.execution.pipeline_execution_id,
                                               Authorization(permission, (resource,), passed_roles=passed))
            if refusal is not None:
                raise ActionFailed(f"{explanation} Error: {refusal.message}" if explanation else refusal.message)

    def artifact_store(self) -> dict[str, Any]:
        store = self.declaration.get("artifactStore") or next(iter((self.declaration.get("artifactStores") or {}).values()))
        return dict(store)

    def artifact_bucket(self) -> str:
        return str(self.artifact_store()["location"])

    def artifact_location(self, name: str) -> tuple[str, str]:
        """Where a new revision of artifact ``name`` goes: ``<pipeline>/<artifact>/<random>`` in the artifact store."""
        return self.artifact_bucket(), f"{self.declaration['name'][:20]}/{name[:20]}/{uuid.uuid4().hex[:7]}"

    def new_artifact(self, action: dict[str, Any], name: str, body: bytes) -> tuple[str, str]:
        """Write output artifact ``name`` to the artifact store as the action's role, encrypted with the store's key."""
        bucket, key = location = self.artifact_location(name)
        encryption = self.artifact_store().get("encryptionKey") or {}
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": encryption["id"]} if encryption.get("id") else {}
        try:
            self.session(action).client("s3").put_object(Bucket=bucket, Key=key, Body=body, **extra)
        except ClientError as exc:
            raise ActionFailed(f"Insufficient permissions: the service role or action role cannot write the output artifact {name} "
                               f"to the artifact store {bucket}. Error: {_s3_error(exc)}") from exc
        self.artifacts[name] = location
        return location

    def read_artifact(self, action: dict[str, Any], name: str) -> bytes:
        """The content of input artifact ``name``, read as the action's role."""
        bucket, key = self.artifacts[name]
        try:
            return bytes(self.session(action).client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
        except ClientError as exc:
            raise ActionFailed(f"Insufficient permissions: the service role or action role cannot read the input artifact {name} "
                               f"from the artifact store {bucket}. Error: {_s3_error(exc)}") from exc


def _s3_error(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"Amazon S3:{error.get('Code', '')}:{error.get('Message', '')}"


def s3_source(run: Run, action: dict[str, Any], state: ActionState) -> str:
    """The object's version current when the execution started (else its current one), read as the action's role,
    into the artifact store."""
    config = action["configuration"]
    bucket, key = config["S3Bucket"], config["S3ObjectKey"]
    pinned = run.pinned.get(action["name"])
    missing = f"The object with key '{key}' does not exist in bucket '{bucket}'"
    try:
        found = run.session(action).client("s3").get_object(Bucket=bucket, Key=key, **({"VersionId": pinned} if pinned else {}))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket", "404"):
            raise ActionFailed(missing) from exc
        raise ActionFailed(f"Insufficient permissions The service role or action role doesn't have the permissions required to "
                           f"access the Amazon S3 bucket named {bucket}. Update the IAM role permissions, and then try again. "
                           f"Error: {_s3_error(exc)}") from exc
    if pinned == NOTHING:  # read only to report a refusal first, as S3 would: the execution started without an object
        raise ActionFailed(missing)
    body, version = found["Body"].read(), found.get("VersionId")
    for output in action.get("outputArtifacts", []):
        run.new_artifact(action, output["name"], body)
        run.revisions.append({"name": output["name"], "revisionId": version or found["ETag"].strip('"'),
                              "created": iso_8601_datetime_with_milliseconds(utcnow())})
    state.external_id = version
    return f"Amazon S3 version id: {version}"


def codecommit_source(run: Run, action: dict[str, Any], state: ActionState) -> str:
    """The branch tip when the execution started (else now) as a zip (``CODE_ZIP``), read with the action's role (or the
    pipeline's), as CodePipeline does."""
    config = action["configuration"]
    name, branch = config["RepositoryName"], config["BranchName"]
    if config.get("OutputArtifactFormat", "CODE_ZIP") != "CODE_ZIP":
        raise ActionFailed(f"OutputArtifactFormat {config['OutputArtifactFormat']} is not emulated (CODE_ZIP is)")
    repository = codecommit_backends[run.account][run.region].repositories.get(name)
    if repository is None:
        raise ActionFailed(f"The repository {name} does not exist in the account {run.account}")
    arn = repository.repository_metadata["Arn"]
    run.require(action, [(f"codecommit:{call}", arn) for call in ("GetBranch", "GetCommit", "UploadArchive")],
                explanation=f"The service role or action role doesn't have the permissions required to access the AWS CodeCommit "
                            f"repository named {name}. Update the IAM role permissions, and then try again.")
    commit = run.pinned[action["name"]] if action["name"] in run.pinned else tip(run.account, run.region, name, branch)
    if not commit:
        raise ActionFailed(f"The branch {branch} does not exist in the repository {name} (push a commit to it first)")
    subject, body = archive(run.account, run.region, name, commit)
    for output in action.get("outputArtifacts", []):
        run.new_artifact(action, output["name"], body)
        run.revisions.append({"name": output["name"], "revisionId": commit, "created": iso_8601_datetime_with_milliseconds(utcnow())})
    state.external_id = commit
    return subject


def codebuild_build(run: Run, action: dict[str, Any], state: ActionState) -> str:
    project = action["configuration"]["ProjectName"]
    backend = codebuild_backends[run.account][run.region]
    if project not in backend.codebuild_projects:
        raise ActionFailed(f"Build project {project} does not exist")
    arn = f"arn:aws:codebuild:{run.region}:{run.account}:project/{project}"
    run.require(action, [("codebuild:StartBuild", arn), ("codebuild:BatchGetBuilds", arn)])
    inputs = [run.artifacts[a["name"]] for a in action.get("inputArtifacts", []) if a["name"] in run.artifacts]
    outputs = {o["name"]: run.artifact_location(o["name"]) for o in action.get("outputArtifacts", [])}
    override = {"type": "S3", "location": "/".join(next(iter(outputs.values())))} if outputs else None
    variables = json.loads(action["configuration"].get("EnvironmentVariables") or "[]")
    build = backend.start_build(project, source_version=f"arn:aws:s3:::{inputs[0][0]}/{inputs[0][1]}" if inputs else None,
                                artifact_override=override, **({"environment_variables_override": variables} if variables else {}))
    state.external_id = build["id"]
    while not WORKERS.stopping.is_set():
        [current] = backend.batch_get_builds([build["id"]])
        if current["buildStatus"] == "SUCCEEDED":
            run.artifacts.update(outputs)
            return f"Build {build['id']} succeeded"
        if current["buildStatus"] in {"FAILED", "FAULT", "STOPPED", "TIMED_OUT"}:
            failed: dict[str, Any] = next((p for p in reversed(current.get("phases", [])) if p.get("phaseStatus") not in (None, "SUCCEEDED")), {})
            detail = "; ".join(c.get("message", "") for c in failed.get("contexts", []))
            raise ActionFailed(f"Build {build['id']} {current['buildStatus']} in phase {failed.get('phaseType', '?')}"
                               + (f": {detail}" if detail else ""))
        time.sleep(POLL_SECONDS)
    raise ActionFailed("the embedded AWS is shutting down")


def manual_approval(run: Run, action: dict[str, Any], state: ActionState) -> str:
    state.token = str(uuid.uuid4())
    while not state.decided.wait(POLL_SECONDS):
        if WORKERS.stopping.is_set():
            raise ActionFailed("the embedded AWS is shutting down")
    result = state.approval or {}
    if result.get("status") != "Approved":
        raise ActionFailed(f"Rejected: {result.get('summary', '')}")
    return f"Approved: {result.get('summary', '')}"


EXECUTORS: dict[tuple[str, str, str], Callable[[Run, dict[str, Any], ActionState], str]] = {
    ("Source", "AWS", "S3"): s3_source,
    ("Source", "AWS", "CodeCommit"): codecommit_source,
    ("Build", "AWS", "CodeBuild"): codebuild_build,
    ("Approval", "AWS", "Manual"): manual_approval,
}


def execute(run: Run) -> None:
    """Run the stages in order, each once its lock lets this execution in; the first failed action ends the execution."""
    execution = run.execution
    for stage in run.declaration["stages"]:
        entry = run.locks.enter(stage["name"], execution.pipeline_execution_id, WORKERS.stopping, POLL_SECONDS)
        if entry is Entry.SUPERSEDED:
            _finish(execution, "Superseded", None)
            return
        if entry is Entry.STOPPED:
            _finish(execution, "Stopped", "the embedded AWS is shutting down")
            return
        try:
            if not run_stage(run, stage):
                return
        finally:
            run.locks.leave(stage["name"], execution.pipeline_execution_id)
    _finish(execution, "Succeeded", None)


def run_stage(run: Run, stage: dict[str, Any]) -> bool:
    """Run one stage's actions by run order; ``False`` (and the execution failed) when one fails."""
    run.stages[stage["name"]] = "InProgress"
    for order in sorted({a.get("runOrder", 1) for a in stage["actions"]}):
        for action in (a for a in stage["actions"] if a.get("runOrder", 1) == order):
            state = run.actions[(stage["name"], action["name"])]
            state.set("InProgress")
            type_id = action["actionTypeId"]
            executor = EXECUTORS.get((type_id["category"], type_id["owner"], type_id["provider"]))
            try:
                if executor is None:
                    raise ActionFailed(f"action provider {type_id['owner']}/{type_id['provider']} ({type_id['category']}) "
                                       "is not emulated by the embedded AWS")
                state.set("Succeeded", executor(run, action, state))
            except ActionFailed as exc:
                state.set("Failed", str(exc))
                run.stages[stage["name"]] = "Failed"
                _finish(run.execution, "Failed", f"{stage['name']}/{action['name']}: {exc}")
                return False
    run.stages[stage["name"]] = "Succeeded"
    return True


def _finish(execution: PipelineExecution, status: str, summary: str | None) -> None:
    execution.status, execution.status_summary, execution.last_update_time = status, summary, utcnow()


def start(backend: CodePipelineBackend, name: str, variables: Any = None, trigger: dict[str, str] | None = None) -> str:
    """Start an execution that runs: it is listed only once it is ``InProgress`` with its trigger and source revisions."""
    pipeline = backend.pipelines[name]
    execution = PipelineExecution(pipeline_name=name, pipeline_version=pipeline.pipeline["version"], variables=variables)
    run = Run(backend, json.loads(json.dumps(pipeline.pipeline)), execution, stage_locks(pipeline))
    for stage in run.declaration["stages"]:
        for action in stage["actions"]:
            run.actions[(stage["name"], action["name"])] = ActionState(action["name"])
    run.pinned = source_revisions(backend, run.declaration)
    execution.status, execution.status_summary, execution.run = "InProgress", None, run
    execution.trigger = trigger or {"triggerType": "StartPipelineExecution", "triggerDetail": ""}
    pipeline.executions[execution.pipeline_execution_id] = execution

    def work() -> None:
        try:
            execute(run)
        except Exception as exc:  # noqa: BLE001 - a bug here must show as a failed execution, not a hang
            _finish(execution, "Failed", f"embedded AWS error: {exc!r}")

    WORKERS.start(execution.pipeline_execution_id, work)
    return execution.pipeline_execution_id


#: A source revision fixed as "nothing there": the branch had no commit, the object did not exist, when the execution started.
NOTHING = ""


def source_revisions(backend: CodePipelineBackend, declaration: dict[str, Any]) -> dict[str, str]:
    """The revision each source action takes, as CodePipeline fixes it when an execution starts: a CodeCommit branch's
    tip commit, a versioned S3 object's current version, or :data:`NOTHING` (an unversioned object is read as it is then)."""
    account, region = backend.account_id, backend.region_name
    pinned: dict[str, str] = {}
    for stage in declaration["stages"]:
        for action in stage["actions"]:
            if action["actionTypeId"]["category"] != "Source":
                continue
            config, provider, revision = action.get("configuration") or {}, action["actionTypeId"]["provider"], None
            if provider == "CodeCommit" and config.get("RepositoryName") in codecommit_backends[account][region].repositories:
                revision = tip(account, region, config["RepositoryName"], config.get("BranchName", "")) or NOTHING
            elif provider == "S3":
                revision = _current_version(account, config.get("S3Bucket", ""), config.get("S3ObjectKey", ""))
            if revision is not None:
                pinned[action["name"]] = revision
    return pinned


def _current_version(account: str, bucket: str, key: str) -> str | None:
    """The object's version id; :data:`NOTHING` when there is no such object; None when its bucket keeps no versions."""
    try:
        found = s3_backends[account]["aws"].get_object(bucket, key)
    except MissingBucket:
        return NOTHING
    if found is None:
        return NOTHING
    return None if found.version_id in (None, "null") else str(found.version_id)


def stage_locks(pipeline: Any) -> StageLocks:
    """The pipeline's stage locks, for its current execution mode."""
    mode = pipeline.pipeline.get("executionMode") or "SUPERSEDED"
    locks = getattr(pipeline, "stage_locks", None)
    if locks is None or locks.mode != mode:
        locks = pipeline.stage_locks = StageLocks(mode)
    return locks


def runs(backend: CodePipelineBackend, name: str) -> list[Run]:
    """The pipeline's executions that the worker ran or runs, oldest first."""
    executions = list(backend.pipelines[name].executions.values())  # one copy: executions may start meanwhile
    return [e.run for e in executions if getattr(e, "run", None)]


def pipeline_state(backend: CodePipelineBackend, name: str) -> dict[str, Any]:
    """Each stage as the latest execution that entered it left it (or as an execution processing it now)."""
    declaration, metadata = backend.get_pipeline(name)
    started = runs(backend, name)
    stages = []
    for stage in declaration["stages"]:
        run = next((r for r in reversed(started) if stage["name"] in r.stages), None)
        entry: dict[str, Any] = {"stageName": stage["name"], "inboundTransitionState": {"enabled": True},
                                 "actionStates": [run.actions[(stage["name"], a["name"])].to_dict() if run else {"actionName": a["name"]}
                                                  for a in stage["actions"]]}
        if run is not None:
            entry["latestExecution"] = {"pipelineExecutionId": run.execution.pipeline_execution_id, "status": run.stages[stage["name"]]}
        stages.append(entry)
    return {"pipelineName": name, "pipelineVersion": declaration["version"], "stageStates": stages,
            "created": metadata["created"], "updated": metadata["updated"]}


def put_approval_result(backend: CodePipelineBackend, name: str, stage: str, action: str, result: dict[str, str], token: str) -> str:
    states = (r.actions.get((stage, action)) for r in reversed(runs(backend, name)))
    state = next((s for s in states if s is not None and s.status == "InProgress" and s.token == token), None)
    if state is None:
        raise InvalidApprovalToken(f"The approval token {token} is not valid for action {action} in stage {stage} of pipeline {name}")
    if result.get("status") not in {"Approved", "Rejected"}:
        raise InvalidApprovalToken(f"result.status must be Approved or Rejected, got {result.get('status')!r}")
    state.approval = result
    state.decided.set()
    return iso_8601_datetime_with_milliseconds(utcnow())


class _Api:
    @staticmethod
    def get_pipeline_state(self: Any) -> str:
        return json.dumps(pipeline_state(self.codepipeline_backend, json.loads(self.body)["name"]))

    @staticmethod
    def put_approval_result(self: Any) -> str:
        params = json.loads(self.body)
        approved_at = put_approval_result(self.codepipeline_backend, params["pipelineName"], params["stageName"],
                                          params["actionName"], params.get("result") or {}, params.get("token", ""))
        return json.dumps({"approvedAt": approved_at})


def drain(timeout: float = 10.0) -> None:
    """Stop the running executions (reset or shutdown of the embedded AWS)."""
    WORKERS.stop_all(timeout)


class CodePipelineExecutions(Extension):
    name = "codepipeline-execution"
    summary = ("Pipeline executions run their stages (S3 or CodeCommit source, CodeBuild, manual approval) instead of "
               "succeeding at once; creating a pipeline starts its first execution")

    def install(self, patcher: Patcher) -> None:
        original_start, original_create = CodePipelineBackend.start_pipeline_execution, CodePipelineBackend.create_pipeline
        original_to_dict, original_summary = PipelineExecution.to_dict, PipelineExecution.to_summary_dict

        def start_pipeline_execution(self: CodePipelineBackend, name: str, variables: Any) -> str:
            if name not in self.pipelines:
                return original_start(self, name, variables)  # moto's PipelineNotFoundException
            return start(self, name, variables)

        def create_pipeline(self: CodePipelineBackend, pipeline: dict[str, Any], tags: Any) -> Any:
            created = original_create(self, pipeline, tags)
            start(self, pipeline["name"], trigger={"triggerType": "CreatePipeline", "triggerDetail": ""})
            return created

        def to_dict(self: PipelineExecution) -> dict[str, Any]:
            result = original_to_dict(self)
            if getattr(self, "run", None) is not None:
                result.update(trigger=self.trigger, artifactRevisions=list(self.run.revisions))
            return result

        def to_summary_dict(self: PipelineExecution) -> dict[str, Any]:
            result = original_summary(self)
            if getattr(self, "run", None) is not None:
                result.update(trigger=self.trigger, sourceRevisions=[
                    {"actionName": r["name"], "revisionId": r["revisionId"]} for r in self.run.revisions])
            return result

        def start_pipeline_by_event(pipeline_arn: str, rule_arn: str) -> None:
            arn = parse_arn(pipeline_arn)
            start(codepipeline_backends[arn.account][arn.region], arn.resource_id,
                  trigger={"triggerType": "CloudWatchEvent", "triggerDetail": rule_arn})

        patcher.replace(CodePipelineBackend, "start_pipeline_execution", start_pipeline_execution)
        patcher.replace(events_targets, "start_pipeline", start_pipeline_by_event)
        patcher.replace(CodePipelineBackend, "create_pipeline", create_pipeline)
        patcher.replace(PipelineExecution, "to_dict", to_dict)
        patcher.replace(PipelineExecution, "to_summary_dict", to_summary_dict)
        for name in ("get_pipeline_state", "put_approval_result"):
            patcher.replace(CodePipelineResponse, name, getattr(_Api, name))

    def reset(self) -> None:
        drain()

    def shutdown(self) -> None:
        drain()
