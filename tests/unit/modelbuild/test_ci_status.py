"""ci.ci_status: an execution's own stages, when executions are spread over the pipeline."""

from __future__ import annotations

from typing import Any

from mlops_platform.modelbuild.ci import ci_status


class CodePipeline:
    """``e2`` (newest) has been built and waits in front of Release, where ``e1`` waits for its approval."""

    def list_pipeline_executions(self, pipelineName: str) -> dict[str, Any]:
        return {"pipelineExecutionSummaries": [{"pipelineExecutionId": "e2"}, {"pipelineExecutionId": "e1"}]}

    def get_pipeline_execution(self, pipelineName: str, pipelineExecutionId: str) -> dict[str, Any]:
        return {"pipelineExecution": {"pipelineExecutionId": pipelineExecutionId, "status": "InProgress",
                                      "trigger": {"triggerType": "StartPipelineExecution"}}}

    def get_pipeline_state(self, name: str) -> dict[str, Any]:
        def stage(name: str, execution: str, status: str, action: dict[str, Any]) -> dict[str, Any]:
            return {"stageName": name, "latestExecution": {"pipelineExecutionId": execution, "status": status},
                    "actionStates": [action]}

        return {"stageStates": [
            stage("Source", "e2", "Succeeded", {"actionName": "Code", "latestExecution": {"status": "Succeeded", "summary": "v2"}}),
            stage("Build", "e2", "Succeeded", {"actionName": "Pipeline", "latestExecution": {"status": "Succeeded"}}),
            stage("Release", "e1", "InProgress", {"actionName": "Approve", "latestExecution": {"status": "InProgress", "token": "t"}}),
            {"stageName": "Never", "actionStates": [{"actionName": "Deploy"}]},
        ]}


def _stages(status: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str, bool]]]]:
    return [(s["name"], s["status"], [(a["name"], a["status"], a["approval"]) for a in s["actions"]]) for s in status["stages"]]


def test_the_newest_execution_shows_only_the_stages_it_went_through() -> None:
    status = ci_status(CodePipeline(), "model-build")
    assert status["execution_id"] == "e2"
    assert _stages(status) == [("Source", "Succeeded", [("Code", "Succeeded", False)]),
                               ("Build", "Succeeded", [("Pipeline", "Succeeded", False)]),
                               ("Release", "-", []), ("Never", "-", [])]


def test_an_older_execution_shows_the_stage_it_holds() -> None:
    status = ci_status(CodePipeline(), "model-build", "e1")
    assert _stages(status) == [("Source", "-", []), ("Build", "-", []),
                               ("Release", "InProgress", [("Approve", "InProgress", True)]), ("Never", "-", [])]
