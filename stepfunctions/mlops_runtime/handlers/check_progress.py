"""State machine step (poll fallback): where does provisioning stand?"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.notebooks.waits import check_progress

logger = Logger(service="notebook-provisioning")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return check_progress(client("sagemaker"), client("servicecatalog"), event["notebook_name"], event.get("record_id")).to_dict()
