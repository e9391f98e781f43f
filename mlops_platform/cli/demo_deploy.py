"""The demo's model deploy: a good model through staging to prod, then a bad one rolled back at its canary."""

from __future__ import annotations

import io
import tarfile
import uuid
from typing import Any

from mlops_infra.assets import seed_root
from mlops_platform.cli.output import console, progress, table
from mlops_platform.modelbuild.ci import decide_approval, execution_ids, wait_for_ci, wait_for_new_execution
from mlops_platform.modelbuild.git_source import RepositorySource, push_repository
from mlops_platform.modeldeploy.deployments import all_stages, stage_deployment
from mlops_platform.modeldeploy.endpoints import endpoint_name
from mlops_platform.modeldeploy.packages import find_version, set_approval
from mlops_platform.modeldeploy.traffic import Traffic, request_bodies
from mlops_runtime.contracts import ToolingOutputs

#: Appended to the good model's inference code: the regression the bad version ships.
REGRESSION = '''

# Regression shipped with this version: the first feature is taken for a row id and dropped.
_parse_features = input_fn


def input_fn(body, content_type=CSV):
    return _parse_features(body, content_type)[:, 1:]
'''


def register_regressed_copy(s3: Any, sagemaker: Any, group: str, bucket: str, base_version: int) -> dict[str, Any]:
    """Register a new version: ``base_version``'s model with :data:`REGRESSION` in its ``code/inference.py``."""
    base = sagemaker.describe_model_package(ModelPackageName=find_version(sagemaker, group, base_version))
    [container] = base["InferenceSpecification"]["Containers"]
    source_bucket, _, key = container["ModelDataUrl"][5:].partition("/")
    model_data = io.BytesIO(s3.get_object(Bucket=source_bucket, Key=key)["Body"].read())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=model_data, mode="r:gz") as original, tarfile.open(fileobj=buffer, mode="w:gz") as regressed:
        for member in original.getmembers():
            content = original.extractfile(member) if member.isfile() else None
            data = content.read() if content is not None else b""
            if member.name == "code/inference.py":
                data += REGRESSION.encode()
                member.size = len(data)
            regressed.addfile(member, io.BytesIO(data) if member.isfile() else None)
    new_key = f"demo/regressed-{uuid.uuid4().hex[:8]}/model.tar.gz"
    s3.put_object(Bucket=bucket, Key=new_key, Body=buffer.getvalue())
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval",
        ModelPackageDescription=f"version {base['ModelPackageVersion']} with an inference regression (drops the first feature)",
        InferenceSpecification={**base["InferenceSpecification"], "Containers": [{**container, "ModelDataUrl": f"s3://{bucket}/{new_key}"}]},
    )["ModelPackageArn"]
    return sagemaker.describe_model_package(ModelPackageName=arn)


def _follow(accounts: Any, pipeline: str, known: list[str], text: bool, label: str, stop_at_approval: bool = False) -> dict[str, Any]:
    """Follow the execution that started after ``known`` (an approval's)."""
    codepipeline = accounts.client("codepipeline")
    return _follow_execution(codepipeline, pipeline, wait_for_new_execution(codepipeline, pipeline, known), text, label, stop_at_approval)


def _follow_execution(codepipeline: Any, pipeline: str, execution: str, text: bool, label: str,
                      stop_at_approval: bool = False) -> dict[str, Any]:
    with progress(f"{label}: {pipeline} {execution}", enabled=text) as step:
        return wait_for_ci(codepipeline, pipeline, execution, timeout=600, progress=step, stop_at_approval=stop_at_approval)


def _show_run(run: dict[str, Any], title: str) -> None:
    table(f"{title}: {run['status']}", ["stage", "action", "status", "summary"],
          [(s["name"], a["name"], a["status"], a["summary"]) for s in run["stages"] for a in s["actions"]])


def _show_stages(accounts: Any, outputs: ToolingOutputs, project: str) -> list[dict[str, Any]]:
    stages = all_stages(accounts, outputs, project)
    table("Endpoints", ["stage", "account", "serving", "model version", "last deployment"],
          [(s.stage, s.account_id, s.endpoint.config if s.endpoint else "-", s.version or "-", s.last_deployment) for s in stages])
    return [s.to_dict() for s in stages]


def model_deploy_demo(accounts: Any, outputs: ToolingOutputs, project: str, text: bool, version: int) -> dict[str, Any]:
    """Steps 6–7 of the demo; returns what happened for ``--output json``."""
    pipeline, group = outputs.model_deploy_pipeline_name, outputs.model_package_group_name
    codepipeline, sagemaker, s3 = accounts.client("codepipeline"), accounts.client("sagemaker"), accounts.client("s3")
    seed = seed_root() / "modeldeploy"

    if text:
        console.rule(f"6. Model deploy: push the model-deploy repository, approve version {version} → staging → approval → prod")
    pushed = push_repository(accounts, RepositorySource.of(outputs, "model-deploy"), seed, message="Model deploy: first version")
    if text and outputs.model_deploy_repository_clone_url:
        console.print(f"git push to {outputs.model_deploy_repository_clone_url} (main): commit {pushed.source_version[:12]}")
    unapproved = _follow_execution(codepipeline, pipeline, pushed.execution_id, text, "push with nothing approved yet")
    if text:
        console.print(f"push with nothing approved: {unapproved['status']} at the build, before anything deployed")
    known = execution_ids(codepipeline, pipeline)
    set_approval(sagemaker, find_version(sagemaker, group, version), "Approved", "demo: metrics above the gate")
    staged = _follow(accounts, pipeline, known, text, f"version {version} approved", stop_at_approval=True)
    if text:
        _show_run(staged, "Deploy run waiting for the prod approval")
    decide_approval(codepipeline, pipeline, True, "staging verified: endpoint InService on the new config, smoke test answered")
    released = wait_for_ci(codepipeline, pipeline, staged["execution_id"], timeout=600)
    if text:
        _show_run(released, "Deploy run after the approval")
    good = _show_stages(accounts, outputs, project) if text else [s.to_dict() for s in all_stages(accounts, outputs, project)]

    if text:
        console.rule(f"7. A bad model: version {version} with an inference regression, approved while clients call staging")
    regressed = register_regressed_copy(s3, sagemaker, group, outputs.artifacts_bucket_name, version)
    known = execution_ids(codepipeline, pipeline)
    bodies = request_bodies((seed / "smoke-request.csv").read_text())
    with Traffic(accounts.client("sagemaker-runtime", "staging"), endpoint_name(project, "staging"), bodies, rate=20) as clients:
        set_approval(sagemaker, regressed["ModelPackageArn"], "Approved", "demo: looks fine on paper")
        failed = _follow(accounts, pipeline, known, text, f"version {regressed['ModelPackageVersion']} approved")
    rollback = stage_deployment(accounts, outputs, project, "staging")
    if text:
        _show_run(failed, "Deploy run of the bad model")
        console.print(f"clients of staging: {clients.report.sent} requests, {clients.report.answered} answered, "
                      + ", ".join(f"{n} {code}" for code, n in clients.report.errors.items()))
        console.print(f"staging rollback: {rollback.last_deployment}")
        _show_stages(accounts, outputs, project)
    return {"unapproved_push": unapproved["status"], "good": {"staged": staged["status"], "released": released["status"], "stages": good},
            "bad": {"version": regressed["ModelPackageVersion"], "pipeline": failed, "traffic": clients.report.to_dict(),
                    "staging": rollback.to_dict()}}
