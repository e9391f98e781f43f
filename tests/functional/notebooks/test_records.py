"""Environment records: conditional status writes (no regression) and single release of task tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest

from embedded_aws import EmbeddedAws
from mlops_runtime.environment_types import get_type
from mlops_runtime.notebooks.records import EnvironmentRecords, StatusChange
from mlops_runtime.notebooks.waits import READY, Progress, release, release_on_change

MAPPING = get_type("sagemaker-notebook").events[0]


@pytest.fixture
def records(aws: EmbeddedAws) -> EnvironmentRecords:
    ddb = aws.client("dynamodb")
    ddb.create_table(TableName="envs", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "environment_id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "environment_id", "AttributeType": "S"},
                                           {"AttributeName": "owner", "AttributeType": "S"}],
                     GlobalSecondaryIndexes=[{"IndexName": "by-owner", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"},
                                                            {"AttributeName": "environment_id", "KeyType": "RANGE"}]}])
    ddb.put_item(TableName="envs", Item={"environment_id": {"S": "ana-Notebook"}, "owner": {"S": "ana"}, "status": {"S": "PENDING"}})
    return EnvironmentRecords(ddb, "envs")


def _apply(records: EnvironmentRecords, status: str, at: int) -> StatusChange | None:
    return records.apply_status("ana-Notebook", MAPPING.statuses, MAPPING.alternate_statuses, status, at)


def test_late_event_never_regresses_the_status(records: EnvironmentRecords) -> None:
    assert _apply(records, "InService", 2000).status == "COMPLETED"  # type: ignore[union-attr]
    assert _apply(records, "Pending", 1000) is None  # older than what the record knows
    assert _apply(records, "InService", 2000) is None  # duplicate
    assert records.get("ana-Notebook")["status"] == "COMPLETED"  # type: ignore[index]


def test_pending_handled_after_the_platform_completed_the_record_is_ignored(records: EnvironmentRecords) -> None:
    # the provisioning state machine marks the record COMPLETED itself (no event time); the creation's Pending event
    # may be handled only afterwards — it must not send a running notebook back to PENDING
    assert records.set_status("ana-Notebook", "COMPLETED", only_from=("PENDING",))
    assert _apply(records, "Pending", 1000) is None
    assert records.get("ana-Notebook")["status"] == "COMPLETED"  # type: ignore[index]
    assert _apply(records, "Stopping", 2000).status == "STOPPING"  # type: ignore[union-attr]


def test_stop_then_start_goes_through_starting(records: EnvironmentRecords) -> None:
    for status, at in (("InService", 1), ("Stopping", 2), ("Stopped", 3)):
        _apply(records, status, at)
    assert _apply(records, "Pending", 4).status == "STARTING"  # type: ignore[union-attr]
    assert _apply(records, "Failed", 5).status == "START_FAILED"  # type: ignore[union-attr]


def test_terminated_is_final(records: EnvironmentRecords) -> None:
    assert records.set_status("ana-Notebook", "TERMINATED")
    assert _apply(records, "InService", 20) is None
    assert records.get("ana-Notebook")["status"] == "TERMINATED"  # type: ignore[index]


def test_unknown_environment_is_ignored(records: EnvironmentRecords) -> None:
    assert records.apply_status("nobody-Notebook", MAPPING.statuses, {}, "InService", 1) is None


def test_by_owner_uses_the_owner_index(records: EnvironmentRecords) -> None:
    assert [r["environment_id"] for r in records.by_owner("ana")] == ["ana-Notebook"]
    assert records.by_owner("bob") == []


class RecordingSfn:
    """Stand-in for the Step Functions client: records what would resume the execution."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def send_task_success(self, **kwargs: Any) -> None:
        self.calls.append(("success", kwargs))

    def send_task_failure(self, **kwargs: Any) -> None:
        self.calls.append(("failure", kwargs))


def test_token_is_released_once_even_when_event_and_registration_race(records: EnvironmentRecords) -> None:
    sfn = RecordingSfn()
    records.set_task_token("ana-Notebook", "tok-1")
    change = _apply(records, "InService", 5)
    assert release_on_change(sfn, records, change) is True  # type: ignore[arg-type]
    assert release(sfn, records, "ana-Notebook", "tok-1", Progress(READY)) is False  # registration path comes second
    assert sfn.calls == [("success", {"taskToken": "tok-1", "output": json.dumps({"environment_id": "ana-Notebook", "state": "READY"})})]
    assert "task_token" not in records.get("ana-Notebook")  # type: ignore[operator]


def test_failure_is_released_with_the_recorded_reason(records: EnvironmentRecords) -> None:
    sfn = RecordingSfn()
    records.set_task_token("ana-Notebook", "tok-2")
    change = records.apply_status("ana-Notebook", MAPPING.statuses, MAPPING.alternate_statuses, "Failed", 7, reason="no capacity")
    release_on_change(sfn, records, change)  # type: ignore[arg-type]
    assert sfn.calls == [("failure", {"taskToken": "tok-2", "error": "NotebookFailed", "cause": "no capacity"})]


ROLE = "arn:aws:iam::123456789012:role/notebook"


def _notebook_in_service(aws: EmbeddedAws) -> None:
    from support import wait_for

    sm = aws.client("sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="ana-Notebook", InstanceType="ml.t3.medium", RoleArn=ROLE)
    wait_for(lambda: sm.describe_notebook_instance(NotebookInstanceName="ana-Notebook")["NotebookInstanceStatus"] == "InService")


def test_reconciler_catches_a_lost_stop_event(aws: EmbeddedAws, records: EnvironmentRecords) -> None:
    from mlops_runtime.notebooks.reconcile import reconcile
    from support import wait_for

    # no status handler watches this table: every event is "lost"
    _notebook_in_service(aws)
    aws.client("dynamodb").update_item(TableName="envs", Key={"environment_id": {"S": "ana-Notebook"}},
                                       UpdateExpression="SET #s = :c, environment_type = :t", ExpressionAttributeNames={"#s": "status"},
                                       ExpressionAttributeValues={":c": {"S": "COMPLETED"}, ":t": {"S": "sagemaker-notebook"}})
    sm = aws.client("sagemaker")
    sm.stop_notebook_instance(NotebookInstanceName="ana-Notebook")
    wait_for(lambda: sm.describe_notebook_instance(NotebookInstanceName="ana-Notebook")["NotebookInstanceStatus"] == "Stopped")
    drifts = reconcile(records, sm, get_type("sagemaker-notebook"))
    assert [d.to_dict() for d in drifts] == [{"environment_id": "ana-Notebook", "recorded": "COMPLETED", "actual": "STOPPED"}]
    assert reconcile(records, sm, get_type("sagemaker-notebook")) == []  # nothing left to fix


def test_reconciler_fails_a_record_whose_notebook_vanished(aws: EmbeddedAws, records: EnvironmentRecords) -> None:
    from mlops_runtime.notebooks.reconcile import reconcile

    aws.client("dynamodb").update_item(TableName="envs", Key={"environment_id": {"S": "ana-Notebook"}},
                                       UpdateExpression="SET #s = :c, environment_type = :t, created_at = :old",
                                       ExpressionAttributeNames={"#s": "status"},
                                       ExpressionAttributeValues={":c": {"S": "COMPLETED"}, ":t": {"S": "sagemaker-notebook"},
                                                                  ":old": {"S": "2026-01-01T00:00:00Z"}})
    drifts = reconcile(records, aws.client("sagemaker"), get_type("sagemaker-notebook"))
    assert [d.actual for d in drifts] == ["FAILED"]
    assert records.get("ana-Notebook")["failure_reason"] == "the notebook instance no longer exists"  # type: ignore[index]
