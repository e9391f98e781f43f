"""CodePipeline executions of the model-build and model-deploy pipelines: where each stands, and their approval gates."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mlops_runtime import waiting


def execution_ids(codepipeline: Any, pipeline_name: str) -> list[str]:
    """Execution ids, newest first."""
    return [e["pipelineExecutionId"] for e in
            codepipeline.list_pipeline_executions(pipelineName=pipeline_name)["pipelineExecutionSummaries"]]


def wait_for_new_execution(codepipeline: Any, pipeline_name: str, known: list[str], timeout: float = 30.0,
                           sleep: Callable[[float], None] = time.sleep) -> str:
    """The id of the execution a push started (one not in ``known``); TimeoutError if none appears."""
    fresh = waiting.poll(lambda: [i for i in execution_ids(codepipeline, pipeline_name) if i not in known], bool,
                         timeout=timeout, interval=0.2, clock=waiting.Clock(sleep=sleep),
                         on_timeout=lambda _: TimeoutError(f"no execution of {pipeline_name} started within {timeout:.0f} s of the push"))
    return fresh[0]


def ci_status(codepipeline: Any, pipeline_name: str, execution_id: str | None = None) -> dict[str, Any]:
    """An execution (default: the newest) with the state of each stage and action."""
    ids = execution_ids(codepipeline, pipeline_name)
    if not ids:
        return {"pipeline": pipeline_name, "execution_id": None, "status": "NeverRun", "stages": []}
    execution_id = execution_id or ids[0]
    execution = codepipeline.get_pipeline_execution(pipelineName=pipeline_name, pipelineExecutionId=execution_id)["pipelineExecution"]
    stages = []
    for stage in codepipeline.get_pipeline_state(name=pipeline_name)["stageStates"]:
        if stage.get("latestExecution", {}).get("pipelineExecutionId") != execution_id:
            # The stage is ahead of this execution, or a more recent one went through it since.
            stages.append({"name": stage["stageName"], "status": "-", "actions": []})
            continue
        stages.append({"name": stage["stageName"], "status": stage["latestExecution"]["status"],
                       "actions": [{"name": a["actionName"], "status": a.get("latestExecution", {}).get("status", "-"),
                                    "summary": a.get("latestExecution", {}).get("summary", ""),
                                    "approval": bool(a.get("latestExecution", {}).get("token"))} for a in stage["actionStates"]]})
    return {"pipeline": pipeline_name, "execution_id": execution_id, "status": execution["status"],
            "summary": execution.get("statusSummary") or "", "trigger": execution.get("trigger", {}).get("triggerType", ""),
            "revisions": [r.get("revisionId") for r in execution.get("artifactRevisions", [])], "stages": stages}


def pending_approval(status: dict[str, Any]) -> tuple[str, str] | None:
    """``(stage, action)`` of the manual approval the execution waits for, if any."""
    for stage in status["stages"]:
        for action in stage["actions"]:
            if action["status"] == "InProgress" and action.get("approval"):
                return stage["name"], action["name"]
    return None


def decide_approval(codepipeline: Any, pipeline_name: str, approve: bool, summary: str) -> tuple[str, str]:
    """Approve or reject the gate the newest execution waits at; LookupError when none waits."""
    for stage in codepipeline.get_pipeline_state(name=pipeline_name)["stageStates"]:
        for action in stage["actionStates"]:
            latest = action.get("latestExecution", {})
            if latest.get("status") == "InProgress" and latest.get("token"):
                codepipeline.put_approval_result(pipelineName=pipeline_name, stageName=stage["stageName"], actionName=action["actionName"],
                                                 result={"summary": summary, "status": "Approved" if approve else "Rejected"},
                                                 token=latest["token"])
                return stage["stageName"], action["actionName"]
    raise LookupError(f"{pipeline_name} is not waiting for an approval")


def wait_for_ci(codepipeline: Any, pipeline_name: str, execution_id: str, timeout: float = 600.0,
                progress: Callable[[str], None] = lambda _: None, sleep: Callable[[float], None] = time.sleep,
                stop_at_approval: bool = False) -> dict[str, Any]:
    """Follow an execution until it ends (or waits for a manual approval, with ``stop_at_approval``),
    reporting each action that changes state; TimeoutError if it does not get there in time."""
    seen: set[tuple[str, str, str]] = set()

    def observe() -> dict[str, Any]:
        status = ci_status(codepipeline, pipeline_name, execution_id)
        for stage in status["stages"]:
            for action in stage["actions"]:
                key = (stage["name"], action["name"], action["status"])
                if action["status"] not in {"-", ""} and key not in seen:
                    seen.add(key)
                    progress(f"{stage['name']}/{action['name']}: {action['status']}")
        return status

    return waiting.poll(observe, lambda status: status["status"] not in {"InProgress", "Stopping"}
                        or bool(stop_at_approval and pending_approval(status)), timeout=timeout, interval=1.0,
                        clock=waiting.Clock(sleep=sleep),
                        on_timeout=lambda status: TimeoutError(f"{pipeline_name} execution {execution_id} still {status['status']} "
                                                               f"after {timeout:.0f} s"))
