"""deploy.cleanup: stack sets are emptied then deleted; a failed instance deletion stops destroy with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_platform.deploy.cleanup import remove_stack_set
from mlops_platform.errors import DeployError


class Cfn:
    class exceptions:
        class StackSetNotFoundException(Exception):
            pass

    def __init__(self, instances: list[dict[str, str]] | None, outcome: str = "SUCCEEDED") -> None:
        self.instances, self.outcome, self.calls = instances, outcome, []
        self.polls = 0

    def list_stack_instances(self, StackSetName: str) -> dict[str, Any]:
        if self.instances is None:
            raise self.exceptions.StackSetNotFoundException(StackSetName)
        return {"Summaries": self.instances}

    def delete_stack_instances(self, **request: Any) -> dict[str, str]:
        self.calls.append(("delete_stack_instances", request))
        return {"OperationId": "op-1"}

    def describe_stack_set_operation(self, StackSetName: str, OperationId: str) -> dict[str, Any]:
        self.polls += 1
        status = "RUNNING" if self.polls < 3 else self.outcome
        return {"StackSetOperation": {"Status": status, "StatusReason": "ResourceStatus:DELETE_FAILED"}}

    def delete_stack_set(self, StackSetName: str) -> None:
        self.calls.append(("delete_stack_set", {"StackSetName": StackSetName}))


INSTANCES = [{"Account": "333333333333", "Region": "us-east-1"}, {"Account": "222222222222", "Region": "us-east-1"}]


def test_instances_then_the_stack_set_are_deleted() -> None:
    cfn = Cfn(INSTANCES)
    assert remove_stack_set(cfn, "mlops-staging", sleep=lambda _: None) is True
    assert cfn.calls == [
        ("delete_stack_instances", {"StackSetName": "mlops-staging", "Accounts": ["222222222222", "333333333333"],
                                    "Regions": ["us-east-1"], "RetainStacks": False}),
        ("delete_stack_set", {"StackSetName": "mlops-staging"})]
    assert cfn.polls == 3


def test_a_missing_stack_set_is_nothing_to_do() -> None:
    assert remove_stack_set(Cfn(None), "mlops-prod") is False


def test_failed_instance_deletion_keeps_the_stack_set_and_says_why() -> None:
    cfn = Cfn(INSTANCES, outcome="FAILED")
    with pytest.raises(DeployError, match="^stack set mlops-prod: deleting its instances FAILED: ResourceStatus:DELETE_FAILED$"):
        remove_stack_set(cfn, "mlops-prod", sleep=lambda _: None)
    assert [c[0] for c in cfn.calls] == ["delete_stack_instances"]
