"""Which model to deploy: the latest approved version, and approving or rejecting one."""

from __future__ import annotations

from typing import Any

APPROVED = "Approved"


def latest_approved(sagemaker: Any, model_package_group: str) -> dict[str, Any]:
    """The newest approved version (``SortBy=CreationTime``, ``SortOrder=Descending`` — explicit, never the API default)."""
    summaries = sagemaker.list_model_packages(ModelPackageGroupName=model_package_group, ModelApprovalStatus=APPROVED,
                                              SortBy="CreationTime", SortOrder="Descending", MaxResults=1)["ModelPackageSummaryList"]
    if not summaries:
        raise LookupError(f"no approved model package in {model_package_group}")
    return sagemaker.describe_model_package(ModelPackageName=summaries[0]["ModelPackageArn"])


def set_approval(sagemaker: Any, model_package_arn: str, status: str, description: str = "") -> dict[str, Any]:
    """Approve or reject a version; returns the described package."""
    if status not in {APPROVED, "Rejected", "PendingManualApproval"}:
        raise ValueError(f"approval status must be Approved, Rejected or PendingManualApproval, got {status!r}")
    request = {"ModelPackageArn": model_package_arn, "ModelApprovalStatus": status}
    if description:
        request["ApprovalDescription"] = description
    sagemaker.update_model_package(**request)
    return sagemaker.describe_model_package(ModelPackageName=model_package_arn)


def find_version(sagemaker: Any, model_package_group: str, version: int) -> str:
    """The ARN of ``version`` in the group; LookupError naming the versions that exist."""
    seen = []
    for page in sagemaker.get_paginator("list_model_packages").paginate(ModelPackageGroupName=model_package_group):
        for summary in page["ModelPackageSummaryList"]:
            if int(summary.get("ModelPackageVersion", 0)) == version:
                return str(summary["ModelPackageArn"])
            seen.append(int(summary.get("ModelPackageVersion", 0)))
    raise LookupError(f"{model_package_group} has no version {version}; versions: {', '.join(map(str, sorted(seen))) or 'none'}")
