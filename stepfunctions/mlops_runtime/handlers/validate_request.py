"""State machine step: validate a notebook request (raises ``InvalidRequest``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.notebooks.validation import expand_request

logger = Logger(service="notebook-provisioning")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return expand_request(event)
