"""Lazily created, cached boto3 clients for code running inside Lambda (never at import time)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

LAMBDA_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


@cache
def client(service: str) -> Any:
    """A client from the function's environment (region, credentials, optional AWS_ENDPOINT_URL)."""
    return boto3.session.Session().client(service, config=LAMBDA_CLIENT_CONFIG)
