"""State machine step (``.waitForTaskToken``): park the token where the status handler finds it."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.waits import register_waiter

logger = Logger(service="notebook-provisioning")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    records = EnvironmentRecords(client("dynamodb"), os.environ["TABLE_NAME"])
    progress = register_waiter(records, client("sagemaker"), client("servicecatalog"), client("stepfunctions"),
                               event["environment_id"], event["notebook_name"], event.get("record_id"), event["task_token"])
    return progress.to_dict()
