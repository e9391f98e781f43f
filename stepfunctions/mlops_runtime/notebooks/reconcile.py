"""Scheduled reconciler: bring environment records back in line with the notebooks that really exist.

Events can be lost (EventBridge delivery is at-least-once, not exactly-always): a record may say
COMPLETED for a notebook that was stopped by its idle checker, or PENDING for one that vanished.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.environment_types import EnvironmentType
from mlops_runtime.notebooks import statuses
from mlops_runtime.notebooks.events import epoch_ms
from mlops_runtime.notebooks.records import EnvironmentRecords

VANISHED = "the notebook instance no longer exists"
#: A record younger than this may not have its notebook yet.
GRACE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Drift:
    environment_id: str
    recorded: str
    actual: str

    def to_dict(self) -> dict[str, str]:
        return {"environment_id": self.environment_id, "recorded": self.recorded, "actual": self.actual}


def _age_seconds(record: dict[str, Any], now: float) -> float:
    """Seconds since the record was created (a record without a creation time counts as old)."""
    return now - epoch_ms(record.get("created_at"), None) / 1000


def reconcile(records: EnvironmentRecords, sagemaker: Any, env_type: EnvironmentType, now: float | None = None) -> list[Drift]:
    """Fix every record whose status disagrees with its notebook; return what was fixed."""
    now = time.time() if now is None else now
    mapping = env_type.events[0]
    fixed = []
    for record in records.all():
        recorded = record.get("status", "")
        if statuses.is_closed(record) or record.get("environment_type") != env_type.name:
            continue
        try:
            notebook = sagemaker.describe_notebook_instance(NotebookInstanceName=record["environment_id"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ValidationException":
                raise
            if recorded in (statuses.PENDING,) and _age_seconds(record, now) < GRACE_SECONDS:
                continue
            actual = statuses.TERMINATED if recorded == statuses.TERMINATING else statuses.FAILED
            reason = None if actual == statuses.TERMINATED else VANISHED
            if records.set_status(record["environment_id"], actual, reason=reason, only_from=(recorded,)):
                fixed.append(Drift(record["environment_id"], recorded, actual))
            continue
        source = notebook["NotebookInstanceStatus"]
        expected = mapping.alternate_statuses.get(recorded, {}).get(source) or mapping.statuses.get(source)
        if expected and expected != recorded:
            change = records.apply_status(record["environment_id"], mapping.statuses, mapping.alternate_statuses, source,
                                          int(now * 1000), notebook.get("FailureReason"))
            if change is not None:
                fixed.append(Drift(record["environment_id"], recorded, change.status))
    return fixed
