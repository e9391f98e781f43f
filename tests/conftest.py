"""Fixtures: one embedded AWS per test session, reset before each test that uses it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Nothing in the test suite may reach a real AWS account.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        # emulated transitions: quick, but slow enough that intermediate states are observable
        "EMBEDDED_AWS_NOTEBOOK_PENDING": "0.5",
        "EMBEDDED_AWS_NOTEBOOK_STOPPING": "0.3",
        "EMBEDDED_AWS_NOTEBOOK_DELETING": "0.3",
        "EMBEDDED_AWS_NOTEBOOK_UPDATING": "0.3",
    }
)
for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
    os.environ.pop(variable, None)

from embedded_aws import EmbeddedAws  # noqa: E402  (environment first)


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as server:
        yield server


@pytest.fixture
def aws(embedded_server: EmbeddedAws) -> EmbeddedAws:
    """The embedded AWS with no resources but the three bootstrapped accounts."""
    embedded_server.reset()
    return embedded_server
