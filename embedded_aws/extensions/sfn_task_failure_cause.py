"""SendTaskFailure keeps its ``cause``, so a Catch sees ``{"Error": ..., "Cause": ...}`` as in AWS.

moto 5.2.5 reads only ``taskToken`` and ``error`` and drops the cause: the waiting state fails
with an error but no explanation, and any step reading ``$.error.Cause`` breaks.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import EmptyResult
from moto.stepfunctions.responses import StepFunctionResponse

from embedded_aws.extensions.base import Extension, Patcher


def send_task_failure(self: Any) -> EmptyResult:
    self.stepfunction_backend.send_task_failure(self._get_param("taskToken"), error=self._get_param("error"),
                                                cause=self._get_param("cause"))
    return EmptyResult()


class TaskFailureCause(Extension):
    name = "sfn-task-failure-cause"
    summary = "SendTaskFailure passes its cause to the waiting state (moto drops it)"

    def install(self, patcher: Patcher) -> None:
        patcher.replace(StepFunctionResponse, "send_task_failure", send_task_failure)
