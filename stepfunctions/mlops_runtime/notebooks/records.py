"""Environment records in DynamoDB; status writes are conditional so late events never regress them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.notebooks import statuses

OWNER_INDEX = "by-owner"


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values to plain Python values (S, N, BOOL, NULL, M, L)."""
    def convert(value: dict[str, Any]) -> Any:
        (kind, raw), = value.items()
        if kind == "N":
            return int(raw) if raw.lstrip("-").isdigit() else float(raw)
        if kind == "M":
            return {k: convert(v) for k, v in raw.items()}
        if kind == "L":
            return [convert(v) for v in raw]
        if kind == "NULL":
            return None
        return raw

    return {key: convert(value) for key, value in item.items()}


@dataclass(frozen=True)
class StatusChange:
    environment_id: str
    previous: str
    status: str
    record: dict[str, Any]


class EnvironmentRecords:
    """Reads and writes the environment table through an injected DynamoDB client."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self.dynamodb = dynamodb
        self.table = table_name

    def get(self, environment_id: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(TableName=self.table, Key={"environment_id": {"S": environment_id}}, ConsistentRead=True).get("Item")
        return _plain(item) if item else None

    def by_owner(self, owner: str) -> list[dict[str, Any]]:
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table, IndexName=OWNER_INDEX, KeyConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":o": {"S": owner}})
        return [_plain(item) for page in pages for item in page["Items"]]

    def all(self) -> list[dict[str, Any]]:
        pages = self.dynamodb.get_paginator("scan").paginate(TableName=self.table)
        return [_plain(item) for page in pages for item in page["Items"]]

    def apply_status(self, environment_id: str, mapped: dict[str, str], alternates: Mapping[str, Mapping[str, str | None]],
                     source_status: str, event_time: int, reason: str | None = None, attempts: int = 3) -> StatusChange | None:
        """Move the record to the status ``source_status`` maps to, unless the event is older than the record.

        ``alternates`` picks another status depending on the current one (Stopped then Pending is STARTING);
        ``None`` there marks an event that cannot follow the current status (Pending after COMPLETED: the
        platform completed the record before the creation's Pending event was handled) and is ignored.
        Returns the change, or ``None`` when the event is stale, duplicated, unknown or the record is final.
        """
        for _ in range(attempts):
            record = self.get(environment_id)
            if record is None or statuses.is_closed(record):
                return None
            current = record.get("status", "")
            rules = alternates.get(current, {})
            if source_status in rules and rules[source_status] is None:
                return None  # cannot follow the current status: a late event (e.g. Pending after the platform completed it)
            target = rules.get(source_status) or mapped.get(source_status)
            if target is None:
                return None
            names = {"#s": "status"}
            values: dict[str, Any] = {":s": {"S": target}, ":t": {"N": str(event_time)}, ":now": {"S": now_iso()},
                                      ":current": {"S": current}}
            update = "SET #s = :s, last_event_time = :t, updated_at = :now"
            if reason:
                update += ", failure_reason = :r"
                values[":r"] = {"S": reason}
            try:
                result = self.dynamodb.update_item(
                    TableName=self.table, Key={"environment_id": {"S": environment_id}}, UpdateExpression=update,
                    ConditionExpression="#s = :current AND (attribute_not_exists(last_event_time) OR last_event_time < :t)",
                    ExpressionAttributeNames=names, ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                fresh = self.get(environment_id)
                if fresh is None or int(fresh.get("last_event_time", 0)) >= event_time:
                    return None  # stale or duplicate event: the record already knows better
                continue  # the status changed under us: re-read and re-map
            return StatusChange(environment_id, current, target, _plain(result["Attributes"]))
        return None

    def set_status(self, environment_id: str, status: str, reason: str | None = None, only_from: tuple[str, ...] = ()) -> bool:
        """Set a status written by the platform itself (not by an event); ``only_from`` guards the transition."""
        values: dict[str, Any] = {":s": {"S": status}, ":now": {"S": now_iso()}}
        update = "SET #s = :s, updated_at = :now"
        condition = "attribute_exists(environment_id)"
        if reason is not None:
            update += ", failure_reason = :r"
            values[":r"] = {"S": reason}
        if only_from:
            condition += " AND #s IN (" + ", ".join(f":f{i}" for i in range(len(only_from))) + ")"
            values.update({f":f{i}": {"S": s} for i, s in enumerate(only_from)})
        try:
            self.dynamodb.update_item(TableName=self.table, Key={"environment_id": {"S": environment_id}}, UpdateExpression=update,
                                      ConditionExpression=condition, ExpressionAttributeNames={"#s": "status"},
                                      ExpressionAttributeValues=values)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_task_token(self, environment_id: str, token: str) -> None:
        self.dynamodb.update_item(TableName=self.table, Key={"environment_id": {"S": environment_id}},
                                  UpdateExpression="SET task_token = :t", ConditionExpression="attribute_exists(environment_id)",
                                  ExpressionAttributeValues={":t": {"S": token}})

    def take_task_token(self, environment_id: str, token: str) -> bool:
        """Remove ``token`` if it is still the stored one; ``True`` for the single caller that removed it."""
        try:
            self.dynamodb.update_item(TableName=self.table, Key={"environment_id": {"S": environment_id}},
                                      UpdateExpression="REMOVE task_token", ConditionExpression="task_token = :t",
                                      ExpressionAttributeValues={":t": {"S": token}})
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
