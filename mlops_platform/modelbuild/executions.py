"""The SageMaker pipeline's executions as the CLI shows them: newest first, each step with its duration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines._executions import pipeline_exists


def latest_executions(sagemaker: Any, pipeline: str, limit: int = 5) -> list[dict[str, Any]]:
    """Up to ``limit`` executions, newest first (none when the pipeline does not exist yet)."""
    if not pipeline_exists(sagemaker, pipeline):
        return []
    summaries = sagemaker.list_pipeline_executions(PipelineName=pipeline, SortBy="CreationTime", SortOrder="Descending",
                                                   MaxResults=limit)["PipelineExecutionSummaries"]
    return [{"arn": e["PipelineExecutionArn"], "status": e["PipelineExecutionStatus"], "started": str(e["StartTime"])}
            for e in summaries]


def duration(started: Any, ended: Any) -> str:
    """``1m 05s`` / ``7.2s`` between two datetimes; empty while the step runs."""
    if not isinstance(started, datetime) or not isinstance(ended, datetime):
        return ""
    seconds = (ended - started).total_seconds()
    return f"{int(seconds // 60)}m {int(seconds % 60):02d}s" if seconds >= 60 else f"{seconds:.1f}s"


def step_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps (oldest first) with name, status, duration and failure reason."""
    return [{"name": s["name"], "status": s["status"], "duration": duration(s.get("started"), s.get("ended")),
             "failure_reason": s.get("failure_reason")} for s in steps]
