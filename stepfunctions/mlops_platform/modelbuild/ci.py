"""The model-build CI pipeline (CodePipeline): its executions and where each stands."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def execution_ids(codepipeline: Any, pipeline_name: str) -> list[str]:
    """Execution ids, newest first."""
    return [e["pipelineExecutionId"] for e in
            codepipeline.list_pipeline_executions(pipelineName=pipeline_name)["pipelineExecutionSummaries"]]


def wait_for_new_execution(codepipeline: Any, pipeline_name: str, known: list[str], timeout: float = 30.0,
                           sleep: Callable[[float], None] = time.sleep) -> str:
    """The id of the execution a push started (one not in ``known``); TimeoutError if none appears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = [i for i in execution_ids(codepipeline, pipeline_name) if i not in known]
        if fresh:
            return fresh[0]
        sleep(0.2)
    raise TimeoutError(f"no execution of {pipeline_name} started within {timeout:.0f} s of the push")


def ci_status(codepipeline: Any, pipeline_name: str, execution_id: str | None = None) -> dict[str, Any]:
    """An execution (default: the newest) with the state of each stage and action."""
    ids = execution_ids(codepipeline, pipeline_name)
    if not ids:
        return {"pipeline": pipeline_name, "execution_id": None, "status": "NeverRun", "stages": []}
    execution_id = execution_id or ids[0]
    execution = codepipeline.get_pipeline_execution(pipelineName=pipeline_name, pipelineExecutionId=execution_id)["pipelineExecution"]
    stages = []
    if execution_id == ids[0]:
        for stage in codepipeline.get_pipeline_state(name=pipeline_name)["stageStates"]:
            stages.append({"name": stage["stageName"], "status": stage.get("latestExecution", {}).get("status", "-"),
                           "actions": [{"name": a["actionName"], "status": a.get("latestExecution", {}).get("status", "-"),
                                        "summary": a.get("latestExecution", {}).get("summary", "")} for a in stage["actionStates"]]})
    return {"pipeline": pipeline_name, "execution_id": execution_id, "status": execution["status"],
            "summary": execution.get("statusSummary") or "", "trigger": execution.get("trigger", {}).get("triggerType", ""),
            "revisions": [r.get("revisionId") for r in execution.get("artifactRevisions", [])], "stages": stages}


def wait_for_ci(codepipeline: Any, pipeline_name: str, execution_id: str, timeout: float = 600.0,
                progress: Callable[[str], None] = lambda _: None, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Follow an execution until it ends, reporting each action that changes state; TimeoutError if it does not end."""
    deadline, seen = time.monotonic() + timeout, set()
    while True:
        status = ci_status(codepipeline, pipeline_name, execution_id)
        for stage in status["stages"]:
            for action in stage["actions"]:
                key = (stage["name"], action["name"], action["status"])
                if action["status"] not in {"-", ""} and key not in seen:
                    seen.add(key)
                    progress(f"{stage['name']}/{action['name']}: {action['status']}")
        if status["status"] not in {"InProgress", "Stopping"}:
            return status
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{pipeline_name} execution {execution_id} still {status['status']} after {timeout:.0f} s")
        sleep(1.0)
