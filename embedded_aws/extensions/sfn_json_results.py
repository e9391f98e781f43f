"""AWS SDK task results are JSON: timestamps become ISO-8601 strings, as Step Functions returns them.

moto keeps the boto3 ``datetime`` objects, so DescribeExecution (or the next state) fails with
``Object of type datetime is not JSON serializable``.
"""

from __future__ import annotations

import datetime
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)

from embedded_aws.extensions.base import Extension, Patcher


def json_safe(value: Any) -> Any:
    """Return ``value`` with datetimes as ISO-8601 strings and bytes decoded, recursively."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return value


class JsonSafeTaskResults(Extension):
    name = "sfn-json-results"
    summary = "aws-sdk task results with timestamps serialize to JSON instead of crashing DescribeExecution"

    def install(self, patcher: Patcher) -> None:
        original = StateTaskServiceAwsSdk._eval_service_task

        def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
            original(self, env, *args, **kwargs)
            env.stack.append(json_safe(env.stack.pop()))

        patcher.replace(StateTaskServiceAwsSdk, "_eval_service_task", _eval_service_task)
