"""Extension s3-secure-transport: bucket policy conditions are evaluated."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions


def _policy(condition_value: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
        "Resource": ["arn:aws:s3:::tls-bucket", "arn:aws:s3:::tls-bucket/*"],
        "Condition": {"Bool": {"aws:SecureTransport": condition_value}}}]})


def _bucket_with(aws: EmbeddedAws, policy: str) -> object:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="tls-bucket")
    s3.put_bucket_policy(Bucket="tls-bucket", Policy=policy)
    return s3


def test_tls_only_policy_lets_tls_requests_through(aws: EmbeddedAws) -> None:
    s3 = _bucket_with(aws, _policy("false"))
    s3.put_object(Bucket="tls-bucket", Key="k", Body=b"v")  # type: ignore[attr-defined]
    assert s3.get_object(Bucket="tls-bucket", Key="k")["Body"].read() == b"v"  # type: ignore[attr-defined]


def test_deny_whose_condition_matches_still_denies(aws: EmbeddedAws) -> None:
    s3 = _bucket_with(aws, _policy("true"))
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="tls-bucket", Key="k", Body=b"v")  # type: ignore[attr-defined]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_without_extension_tls_only_policy_denies_everything(aws: EmbeddedAws) -> None:
    s3 = _bucket_with(aws, _policy("false"))
    # requests the IAM authorizer judges (signed by IAM users and role sessions) have the bucket policy evaluated with
    # the request's keys there; moto's own check, which this extension mends, judges the others
    with extensions.disabled("iam-authorization"), extensions.disabled("s3-secure-transport"), pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="tls-bucket", Key="k", Body=b"v")  # type: ignore[attr-defined]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
