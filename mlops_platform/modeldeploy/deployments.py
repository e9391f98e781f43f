"""Where each stage stands: the model its endpoint serves, how its last deployment ended, its stack instance.

Read from the target accounts (the endpoint and its alarms) and from the tooling account (the stage's
stack set instance and the deploy pipeline), so a rollback shows wherever one looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlops_platform.modeldeploy.endpoints import EndpointState, alarm_names, endpoint_name, read_endpoint, version_of
from mlops_runtime.contracts import ToolingOutputs

STAGES = ("staging", "prod")


@dataclass(frozen=True)
class StageDeployment:
    """One stage: the endpoint as it runs, and the stack set instance that deploys it."""

    stage: str
    account_id: str
    endpoint: EndpointState | None
    instance_status: str = ""
    instance_reason: str = ""

    @property
    def version(self) -> int | None:
        return version_of(self.endpoint.config) if self.endpoint else None

    @property
    def last_deployment(self) -> str:
        """``never`` / ``completed`` / ``rolled back: <reason>`` / the endpoint's status while in flight."""
        if self.endpoint is None:
            return "never"
        if self.endpoint.rolled_back:
            return f"rolled back: {self.endpoint.failure_reason}"
        if self.endpoint.status != "InService":
            return f"{self.endpoint.status}: {self.endpoint.failure_reason}" if self.endpoint.failure_reason else self.endpoint.status
        return "completed"

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "account_id": self.account_id, "version": self.version, "last_deployment": self.last_deployment,
                "rolled_back": bool(self.endpoint and self.endpoint.rolled_back),
                "endpoint": self.endpoint.to_dict() if self.endpoint else None,
                "stack_instance": {"status": self.instance_status, "reason": self.instance_reason}}


def stack_instance(cloudformation: Any, stack_set: str, account_id: str) -> tuple[str, str]:
    """``(status, reason)`` of the stack set's instance in ``account_id`` (``("", "")`` when there is none)."""
    try:
        summaries = cloudformation.list_stack_instances(StackSetName=stack_set)["Summaries"]
    except cloudformation.exceptions.StackSetNotFoundException:
        return "", ""
    for summary in summaries:
        if summary["Account"] == account_id:
            detailed = summary.get("StackInstanceStatus", {}).get("DetailedStatus", "")
            return f"{summary['Status']}/{detailed}" if detailed else summary["Status"], summary.get("StatusReason", "")
    return "", ""


def stage_deployment(accounts: Any, outputs: ToolingOutputs, project: str, stage: str) -> StageDeployment:
    """Read one stage from its account and from the tooling account."""
    account_id = accounts.account_id(stage)
    endpoint = read_endpoint(accounts.client("sagemaker", stage), accounts.client("cloudwatch", stage),
                             endpoint_name(project, stage), alarm_names(project, stage))
    status, reason = stack_instance(accounts.client("cloudformation", "tooling"), outputs.stack_set_name(stage), account_id)
    return StageDeployment(stage, account_id, endpoint, status, reason)


def all_stages(accounts: Any, outputs: ToolingOutputs, project: str) -> list[StageDeployment]:
    return [stage_deployment(accounts, outputs, project, stage) for stage in STAGES]
