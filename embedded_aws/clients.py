"""boto3 clients aimed at one account of a running embedded AWS."""

from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
# NotImplemented answers from moto are 500s: never retry them.
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})
#: botocore's data (endpoints, service models), parsed once per process: a new session would parse it again for every
#: client, which made CloudFormation's per-resource API calls spend most of a stack deployment decoding JSON.
_LOADER = botocore.loaders.create_loader()


def new_session() -> boto3.session.Session:
    """A session of its own (sessions are not thread-safe) sharing the process's parsed botocore data."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core)


@functools.lru_cache(maxsize=512)
def account_client(endpoint_url: str, service: str, account_id: str, region: str = DEFAULT_REGION) -> Any:
    """Return a client whose requests act in ``account_id`` (moto's ``x-moto-account-id`` header).

    For the server's own bootstrap, its CloudFormation resources and tests; users get real per-account keys instead.
    Clients are thread-safe and carry no state of their own, so one per endpoint, service, account and region serves.
    """
    client = new_session().client(
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
    return new_session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        config=CLIENT_CONFIG.merge(config) if config else CLIENT_CONFIG,
    )
