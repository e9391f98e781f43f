"""State machine step: validate a notebook request (raises ``InvalidRequest``) or judge a console launch."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.notebooks.adoption import prepare

logger = Logger(service="notebook-provisioning")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return prepare(event, os.environ["PRODUCT_ID"])
