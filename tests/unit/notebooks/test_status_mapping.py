"""Status mapping of the sagemaker-notebook type, on SageMaker's event shape (tests/events/*.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mlops_runtime.environment_types import all_types
from mlops_runtime.notebooks.events import epoch_ms, locate, parse_event

EVENT = json.loads((Path(__file__).resolve().parents[2] / "events" / "sagemaker_notebook_state_change.json").read_text())
TYPES = all_types()


def _event(status: str, **detail: object) -> dict:
    event = copy.deepcopy(EVENT)
    event["detail"].update({"NotebookInstanceStatus": status, **detail})
    return event


def _mapped(status: str, current: str = "") -> str | None:
    parsed = parse_event(_event(status), TYPES)
    assert parsed is not None
    return parsed.mapping.alternate_statuses.get(current, {}).get(status) or parsed.mapping.statuses.get(status)


@pytest.mark.parametrize(("status", "expected"), [
    ("Pending", "PENDING"), ("InService", "COMPLETED"), ("Stopping", "STOPPING"), ("Stopped", "STOPPED"),
    ("Updating", "UPDATING"), ("Failed", "FAILED"), ("Deleting", "TERMINATING"),
])
def test_every_sagemaker_status_maps(status: str, expected: str) -> None:
    assert _mapped(status) == expected


def test_only_statuses_sagemaker_sends_are_mapped() -> None:
    import botocore.session

    sent = set(botocore.session.get_session().get_service_model("sagemaker").shape_for("NotebookInstanceStatus").enum)
    [mapping] = [m for m in TYPES["sagemaker-notebook"].events if m.source == "aws.sagemaker"]
    assert set(mapping.statuses) == sent  # no "Deleted": SageMaker never announces the end of a deletion


@pytest.mark.parametrize(("current", "status", "expected"), [
    ("STOPPED", "Pending", "STARTING"),
    ("STARTING", "InService", "COMPLETED"),
    ("STARTING", "Failed", "START_FAILED"),
    ("START_FAILED", "Pending", "STARTING"),
    ("PENDING", "Failed", "FAILED"),
])
def test_alternate_statuses_depend_on_the_current_one(current: str, status: str, expected: str) -> None:
    assert _mapped(status, current) == expected


def test_instance_id_and_time_come_from_their_locations_and_the_reason_from_the_notebook() -> None:
    parsed = parse_event(_event("Failed"), TYPES)
    assert parsed is not None
    assert (parsed.environment_id, parsed.source_status, parsed.event_time_ms, parsed.reason) == ("ana-Notebook", "Failed", 1795428005000, None)
    lookup = parsed.mapping.reason_lookup  # SageMaker's event carries no reason: DescribeNotebookInstance does

    class SageMaker:
        def describe_notebook_instance(self, NotebookInstanceName: str) -> dict:
            return {"NotebookInstanceName": NotebookInstanceName, "FailureReason": f"{NotebookInstanceName}: no capacity"}

    assert lookup is not None and lookup.read(SageMaker(), "ana-Notebook") == "ana-Notebook: no capacity"


#: The seed's (Service Workbench's) automation event after a termination, verbatim in shape.
AUTOMATION_TERMINATE = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "Terminate", "source": "automation",
    "account": "123456789012", "time": "2026-11-24T10:05:00Z", "region": "us-east-1", "resources": [],
    "detail": {"EnvId": "ana-Notebook", "ProvisionedProductId": "pp-abc123", "RecordId": "rec-abc123", "EnvType": "sagemaker-notebook",
               "Operation": "Terminate", "Status": "TERMINATED"},
}


@pytest.mark.parametrize(("detail_type", "status", "expected"), [
    ("Terminate", "TERMINATED", "TERMINATED"), ("Terminate", "TERMINATING_FAILED", "FAILED"),
    ("Launch", "COMPLETED", "COMPLETED"), ("Launch", "FAILED", "FAILED"),
])
def test_the_seeds_automation_vocabulary_maps_launch_and_terminate(detail_type: str, status: str, expected: str) -> None:
    event = copy.deepcopy(AUTOMATION_TERMINATE)
    event["detail-type"], event["detail"]["Status"] = detail_type, status
    parsed = parse_event(event, TYPES)
    assert parsed is not None and parsed.environment_id == "ana-Notebook"
    assert parsed.mapping.statuses[parsed.source_status] == expected
    assert parsed.event_time_ms == 1795514700999


def test_automation_events_map_launch_and_terminate() -> None:
    event = {"source": "mlops.environments", "detail-type": "Environment Automation", "time": "2026-11-24T10:00:00Z",
             "detail": {"environment_id": "ana-Notebook", "status": "Terminate"}}
    parsed = parse_event(event, TYPES)
    assert parsed is not None
    assert parsed.mapping.statuses[parsed.source_status] == "TERMINATING"
    assert parsed.event_time_ms == 1795514400999  # from the event's own time when the detail has none (the end of its second)


@pytest.mark.parametrize("event", [
    {"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification", "detail": {}},
    {"source": "aws.sagemaker", "detail-type": "SageMaker Notebook Instance State Change", "detail": {"NotebookInstanceName": "x"}},
], ids=["other-service", "no-status"])
def test_unrelated_or_incomplete_events_are_ignored(event: dict) -> None:
    assert parse_event(event, TYPES) is None


def test_locate_and_epoch_helpers() -> None:
    assert locate({"a": {"b": 1}}, "a.b") == 1 and locate({"a": 1}, "a.b") is None
    assert epoch_ms("2026-11-24T10:00:00.500Z", None) == 1795514400500
    assert epoch_ms("2026-11-24T10:00:00Z", None) == 1795514400999  # to the second: the end of that second
    assert epoch_ms(None, None) == 0
