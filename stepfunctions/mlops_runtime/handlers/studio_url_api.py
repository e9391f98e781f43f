"""API Gateway proxy: POST /studio/url — a presigned Studio URL for the authorized caller's own profile."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.aws.clients import client
from mlops_runtime.errors import ApiError
from mlops_runtime.handlers.api_errors import error_response
from mlops_runtime.studio.profiles import ProfileMapping
from mlops_runtime.studio.urls import DEFAULT_EXPIRES, studio_url

logger = Logger(service="studio-url-api")
app = APIGatewayRestResolver()


def _claims() -> dict[str, Any]:
    """The caller as the authorizer verified them (never the request body)."""
    authorizer: Mapping[str, Any] = app.current_event.request_context.authorizer or {}
    if not authorizer.get("subject") or not authorizer.get("issuer"):
        raise ApiError(401, "Unauthorized")
    return {"iss": authorizer["issuer"], "sub": authorizer["subject"]}


@app.post("/studio/url")
def post_url() -> dict[str, Any]:
    try:
        body = app.current_event.json_body or {}
    except ValueError as exc:
        raise ApiError(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    try:
        expires = int(body.get("expires_in", os.environ.get("URL_EXPIRES_SECONDS", DEFAULT_EXPIRES)))
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "expires_in must be a number of seconds") from exc
    return studio_url(client("sagemaker"), ProfileMapping(client("dynamodb"), os.environ["PROFILE_TABLE"]), _claims(),
                      requested_profile=body.get("profile"), expires_in=expires)


app.exception_handler(ApiError)(error_response)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
