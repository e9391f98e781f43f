"""boto3 clients aimed at one account of a running embedded AWS."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
# NotImplemented answers from moto are 500s: never retry them.
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def account_client(endpoint_url: str, service: str, account_id: str, region: str = DEFAULT_REGION) -> Any:
    """Return a client whose requests act in ``account_id`` (moto's ``x-moto-account-id`` header).

    For the server's own bootstrap and for tests; users get real per-account keys instead.
    """
    client = boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="embedded",
        aws_secret_access_key="embedded",
        config=CLIENT_CONFIG,
    )

    def add_account_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    client.meta.events.register("before-sign", add_account_header)
    return client


def credentials_client(
    endpoint_url: str,
    service: str,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    region: str = DEFAULT_REGION,
    config: Config | None = None,
) -> Any:
    """Return a client signed with the given keys, as any AWS SDK user would create it."""
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        config=CLIENT_CONFIG.merge(config) if config else CLIENT_CONFIG,
    )
