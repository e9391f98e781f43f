"""API Gateway TOKEN authorizer of the Studio URL API: a verified JWT, or 401."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_runtime.studio.tokens import InvalidToken, TokenVerifier, allow_policy, bearer_token, fetch_jwks

logger = Logger(service="studio-authorizer")


@cache
def verifier() -> TokenVerifier:
    """Built once per execution environment, so the key set is cached between invocations."""
    url = os.environ["JWKS_URL"]
    return TokenVerifier(issuer=os.environ["TOKEN_ISSUER"], audience=os.environ["TOKEN_AUDIENCE"],
                         token_use=os.environ.get("TOKEN_USE") or None, jwks=lambda: fetch_jwks(url))


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        claims = verifier().verify(bearer_token(event.get("authorizationToken")))
    except InvalidToken as exc:
        logger.info("token refused", reason=str(exc))
        raise Exception("Unauthorized") from exc  # API Gateway answers 401 for exactly this message
    return allow_policy(claims["sub"], event["methodArn"], {"issuer": claims["iss"], "subject": claims["sub"]})
