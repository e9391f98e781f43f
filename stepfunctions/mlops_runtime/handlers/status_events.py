"""EventBridge target: map SageMaker and automation events to environment records."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.environment_types import all_types
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.status_handler import handle_status_event

logger = Logger(service="environment-status")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = EnvironmentRecords(client("dynamodb"), os.environ["TABLE_NAME"])
    result = handle_status_event(event, all_types(), records, client)
    logger.info("status event handled", extra=result.to_dict())
    return result.to_dict()
