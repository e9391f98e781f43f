"""The model-build definition, rendered in-process (moto's mock, no network, no AWS), against a reviewed golden file.

After an intended change: ``MLOPS_UPDATE_GOLDEN=1 ./run test tests/unit/pipelines/test_golden_definition.py``
and review the diff of ``tests/golden/modelbuild.pipeline.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from moto import mock_aws

from pipelines._normalize import normalize

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "modelbuild.pipeline.json"
SOURCE_ROOT = Path(__file__).resolve().parents[3] / "pipelines"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("SAGEMAKER_VALIDATE_ROLE", "false")
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts")
        from pipelines.modelbuild.pipeline import get_pipeline

        pipeline = get_pipeline("us-east-1", "arn:aws:iam::123456789012:role/model-build", "artifacts",
                                subnets=["subnet-0a", "subnet-0b"], security_group_ids=["sg-0a"], kms_key=KEY)
        return normalize(json.loads(pipeline.definition()), SOURCE_ROOT)


def test_definition_matches_golden(rendered: dict) -> None:
    if os.environ.get("MLOPS_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(rendered, indent=2, sort_keys=True) + "\n")
    assert json.loads(GOLDEN.read_text()) == rendered, "definition drifted: see this module's docstring"


def test_normalized_definition_has_no_volatile_values(rendered: dict) -> None:
    text = json.dumps(rendered)
    assert str(SOURCE_ROOT) not in text
    assert "/code/<sha256>/preprocess.py" in text and "-<timestamp>/input/code" in text


def test_normalize_replaces_only_volatile_parts() -> None:
    definition = {"a": "s3://b/p/code/" + "ab" * 32 + "/x.py", "b": "s3://b/job-20261124175213/input/code",
                  "c": "/src/pipelines/modelbuild", "d": "s3://b/keep/20261124/input"}
    assert normalize(definition, Path("/src/pipelines")) == {
        "a": "s3://b/p/code/<sha256>/x.py", "b": "s3://b/job-<timestamp>/input/code", "c": "<source>/modelbuild",
        "d": "s3://b/keep/20261124/input"}
