"""Unnamed Step Functions executions get a fresh UUID name, as in AWS.

moto's executing backend names them ``None``: the ARN ends in ``:None`` and a second unnamed start
returns the first execution as an idempotent replay.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from embedded_aws.extensions.base import Extension, Patcher


class UniqueExecutionNames(Extension):
    name = "sfn-execution-names"
    summary = "StartExecution without a name uses a new UUID, so two unnamed starts are two executions"

    def install(self, patcher: Patcher) -> None:
        original = StepFunctionsParserBackend.start_execution

        def start_execution(self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
            return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

        patcher.replace(StepFunctionsParserBackend, "start_execution", start_execution)
