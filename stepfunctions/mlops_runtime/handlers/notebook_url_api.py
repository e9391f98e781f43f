"""API Gateway (IAM auth) proxy: GET/POST /notebooks/url for the caller's own notebook."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.environment_types import get_type
from mlops_runtime.errors import ApiError
from mlops_runtime.handlers.api_errors import error_response
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.url_api import caller_user, notebook_url, refresh_url, require_own
from mlops_runtime.notebooks.urls import SESSION_SECONDS

logger = Logger(service="notebook-url-api")
app = APIGatewayRestResolver()
NOTEBOOK = "sagemaker-notebook"


def _caller() -> str:
    user = caller_user(app.current_event.request_context.identity.user_arn, os.environ.get("ANALYST_ROLE_NAME"))
    require_own(user, (app.current_event.query_string_parameters or {}).get("user"))
    return user


def _records() -> EnvironmentRecords:
    return EnvironmentRecords(client("dynamodb"), os.environ["TABLE_NAME"])


def _session_seconds() -> int:
    return int(os.environ.get("SESSION_SECONDS", SESSION_SECONDS))


@app.get("/notebooks/url")
def get_url() -> dict[str, Any]:
    return notebook_url(_caller(), _records(), client("sagemaker"), client("ssm"), get_type(NOTEBOOK), os.environ.get("KMS_KEY_ID"),
                        _session_seconds())


@app.post("/notebooks/url")
def post_url() -> dict[str, Any]:
    return refresh_url(_caller(), _records(), client("sagemaker"), client("ssm"), get_type(NOTEBOOK), os.environ.get("KMS_KEY_ID"),
                       _session_seconds())


app.exception_handler(ApiError)(error_response)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
