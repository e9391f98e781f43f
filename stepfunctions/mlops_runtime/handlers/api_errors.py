"""How the API handlers answer a refusal: its HTTP status and ``{"message": ...}``."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response

from mlops_runtime.errors import ApiError


def error_response(error: ApiError) -> Response:
    return Response(status_code=error.status, content_type="application/json", body=json.dumps({"message": error.message}))
