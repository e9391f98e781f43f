"""A push returns the execution it started: one not seen before the upload, or a TimeoutError naming the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlops_platform.modelbuild.source import Push, push_and_start


class FakeCodePipeline:
    """Executions appear only after the upload (``started_by_push``), as an EventBridge-triggered pipeline behaves."""

    def __init__(self, existing: list[str], started_by_push: str | None) -> None:
        self.executions, self.started_by_push, self.pushed = list(existing), started_by_push, False

    def list_pipeline_executions(self, pipelineName: str) -> dict[str, Any]:
        if self.pushed and self.started_by_push and self.started_by_push not in self.executions:
            self.executions.insert(0, self.started_by_push)
        return {"pipelineExecutionSummaries": [{"pipelineExecutionId": i} for i in self.executions]}


class FakeS3:
    def __init__(self, codepipeline: FakeCodePipeline) -> None:
        self.codepipeline, self.requests = codepipeline, []

    def put_object(self, **request: Any) -> dict[str, str]:
        self.requests.append(request)
        self.codepipeline.pushed = True
        return {"VersionId": "v2"}


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    (tmp_path / "buildspec.yml").write_text("version: 0.2\n")
    return tmp_path


def test_the_push_returns_the_execution_it_started_not_an_older_one(repository: Path) -> None:
    codepipeline = FakeCodePipeline(existing=["old-1", "old-2"], started_by_push="new")
    s3 = FakeS3(codepipeline)
    pushed = push_and_start(s3, codepipeline, bucket="src", key="modelbuild.zip", folder=repository, pipeline="mlops-modelbuild",
                            sleep=lambda _: None)
    assert pushed == Push(source_version="v2", pipeline="mlops-modelbuild", execution_id="new")
    [request] = s3.requests
    assert (request["Bucket"], request["Key"], request["ContentType"]) == ("src", "modelbuild.zip", "application/zip")


def test_a_push_that_starts_nothing_times_out_naming_the_pipeline(repository: Path) -> None:
    codepipeline = FakeCodePipeline(existing=["old-1"], started_by_push=None)
    with pytest.raises(TimeoutError, match="no execution of mlops-modelbuild started within 0 s of the push"):
        push_and_start(FakeS3(codepipeline), codepipeline, bucket="src", key="modelbuild.zip", folder=repository,
                       pipeline="mlops-modelbuild", timeout=0.05, sleep=lambda _: None)
