"""Model versions in the registry, newest first, with the metrics their evaluation reported."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlparse


@dataclass(frozen=True)
class ModelVersion:
    arn: str
    version: int
    status: str
    created: str
    metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _metrics(s3: Any, url: str | None) -> dict[str, float]:
    """``binary_classification_metrics.<name>.value`` of the evaluation report at ``url`` ({} if unreadable)."""
    if not url:
        return {}
    location = urlparse(url)
    try:
        report = json.loads(s3.get_object(Bucket=location.netloc, Key=location.path.lstrip("/"))["Body"].read())
    except (s3.exceptions.ClientError, ValueError):
        return {}
    metrics = next((v for k, v in report.items() if k.endswith("_metrics") and isinstance(v, dict)), {})
    return {name: float(entry["value"]) for name, entry in metrics.items() if isinstance(entry, dict) and "value" in entry}


def list_versions(sagemaker: Any, s3: Any, group: str, limit: int = 20, status: str | None = None) -> list[ModelVersion]:
    """The group's newest ``limit`` versions (explicitly CreationTime descending), optionally of one approval status."""
    request: dict[str, Any] = {"ModelPackageGroupName": group, "SortBy": "CreationTime", "SortOrder": "Descending",
                               "MaxResults": min(limit, 100)}
    if status:
        request["ModelApprovalStatus"] = status
    try:
        summaries = sagemaker.list_model_packages(**request)["ModelPackageSummaryList"][:limit]
    except sagemaker.exceptions.ClientError as exc:
        raise LookupError(f"model package group {group}: {exc.response['Error']['Message']}") from exc
    versions = []
    for summary in summaries:
        described = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        statistics = ((described.get("ModelMetrics") or {}).get("ModelQuality") or {}).get("Statistics") or {}
        versions.append(ModelVersion(
            arn=summary["ModelPackageArn"], version=int(summary.get("ModelPackageVersion", 0)),
            status=summary["ModelApprovalStatus"], created=str(summary["CreationTime"]),
            metrics=_metrics(s3, statistics.get("S3Uri"))))
    return versions
