"""Scheduled: fix environment records that drifted from their notebooks."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.environment_types import get_type
from mlops_runtime.notebooks.reconcile import reconcile
from mlops_runtime.notebooks.records import EnvironmentRecords

logger = Logger(service="environment-reconciler")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = EnvironmentRecords(client("dynamodb"), os.environ["TABLE_NAME"])
    fixed = [d.to_dict() for d in reconcile(records, client("sagemaker"), get_type("sagemaker-notebook"))]
    logger.info("reconciled", extra={"fixed": fixed})
    return {"fixed": fixed}
