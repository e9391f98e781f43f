"""deployments: how a stage's last deployment ended, read from its endpoint and stack set instance."""

from __future__ import annotations

from typing import Any

from mlops_platform.modeldeploy.deployments import StageDeployment, stack_instance
from mlops_platform.modeldeploy.endpoints import EndpointState, version_of


def _stage(status: str = "InService", config: str = "churn-staging-v4", reason: str = "") -> StageDeployment:
    return StageDeployment("staging", "222222222222", EndpointState("churn-staging", status, config, reason))


def test_versions_come_from_the_config_name() -> None:
    assert [version_of(n) for n in ("churn-staging-v4", "churn-prod-v12", "churn-staging", "x-vbeta")] == [4, 12, None, None]


def test_last_deployment_outcomes() -> None:
    reason = "Deployment of churn-staging-v5 was rolled back: alarm churn-staging-5xx went to ALARM"
    assert StageDeployment("prod", "3", None).last_deployment == "never"
    assert _stage().last_deployment == "completed"
    assert _stage(reason=reason).last_deployment == f"rolled back: {reason}"
    assert _stage(status="Updating").last_deployment == "Updating"
    assert _stage(status="Failed", reason="model data missing").last_deployment == "Failed: model data missing"
    rolled = _stage(reason=reason).to_dict()
    assert (rolled["version"], rolled["rolled_back"], rolled["endpoint"]["config"]) == (4, True, "churn-staging-v4")


class Cfn:
    class exceptions:
        class StackSetNotFoundException(Exception):
            pass

    def __init__(self, summaries: list[dict[str, Any]] | None) -> None:
        self.summaries = summaries

    def list_stack_instances(self, StackSetName: str) -> dict[str, Any]:
        if self.summaries is None:
            raise self.exceptions.StackSetNotFoundException(StackSetName)
        return {"Summaries": self.summaries}


def test_stack_instance_of_the_stage_account() -> None:
    summaries = [{"Account": "222222222222", "Status": "OUTDATED", "StackInstanceStatus": {"DetailedStatus": "FAILED"},
                  "StatusReason": "ResourceStatus:UPDATE_ROLLBACK_COMPLETE"},
                 {"Account": "333333333333", "Status": "CURRENT", "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED"}}]
    assert stack_instance(Cfn(summaries), "churn-staging", "222222222222") == ("OUTDATED/FAILED", "ResourceStatus:UPDATE_ROLLBACK_COMPLETE")
    assert stack_instance(Cfn(summaries), "churn-staging", "444444444444") == ("", "")
    assert stack_instance(Cfn(None), "churn-staging", "222222222222") == ("", "")
