"""Fixtures of the pipeline tests: SageMaker SDK clients pointed at the embedded AWS."""

from __future__ import annotations

import pytest

from embedded_aws import EmbeddedAws


@pytest.fixture
def sdk_env(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> EmbeddedAws:
    """SDK clients reach the embedded AWS (AWS_ENDPOINT_URL) as the tooling admin."""
    keys = aws.credentials["tooling"]
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys.secret_access_key)
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")  # the definitions here name a placeholder role; the platform's
    # own role is validated by the SDK in the model-build flows (tests/functional/modelbuild, tests/e2e)
    aws.client("s3").create_bucket(Bucket="artifacts")
    return aws
