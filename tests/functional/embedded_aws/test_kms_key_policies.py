"""KMS keys in the IAM enforcement: the key policy decides, and services encrypt with their caller's rights."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws
from embedded_aws.clients import credentials_client

ACCOUNT = "123456789012"


def _user(aws: EmbeddedAws, name: str, *statements: dict[str, Any]) -> Callable[[str], Any]:
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="work", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return lambda service: credentials_client(aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)


def _key(aws: EmbeddedAws, *principals: str) -> str:
    """A customer managed key whose policy lets ``principals`` (or, by default, the account's IAM) use it."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/embedded-admin"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": list(principals) or f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}
    return str(aws.client("kms").create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"])


def _refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Message"])


def test_a_key_policy_naming_the_account_leaves_it_to_iam_one_naming_neither_refuses(aws: EmbeddedAws) -> None:
    delegated, closed = _key(aws), _key(aws, f"arn:aws:iam::{ACCOUNT}:user/named")
    user = _user(aws, "ana", {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"})("kms")
    assert user.encrypt(KeyId=delegated, Plaintext=b"x")["KeyId"] == delegated
    assert _refusal(lambda: user.encrypt(KeyId=closed, Plaintext=b"x")) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/ana is not authorized to perform: kms:Encrypt on resource: {closed} "
        "because no resource-based policy allows the kms:Encrypt action")
    named = _user(aws, "named")("kms")  # no IAM policy at all: the key policy names it
    assert named.encrypt(KeyId=closed, Plaintext=b"x")["KeyId"] == closed
    assert "because no identity-based policy allows the kms:Encrypt action" in _refusal(
        lambda: named.encrypt(KeyId=delegated, Plaintext=b"x"))


def test_parameter_store_encrypts_and_decrypts_secure_strings_with_the_callers_kms_rights(aws: EmbeddedAws) -> None:
    key = _key(aws)
    write = {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:GetParameter"], "Resource": f"arn:aws:ssm:*:{ACCOUNT}:parameter/app/*"}
    through_ssm = {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key,
                   "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}}
    without_kms = _user(aws, "ana", write)("ssm")
    assert _refusal(lambda: without_kms.put_parameter(Name="/app/secret", Value="s", Type="SecureString", KeyId=key)) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/ana is not authorized to perform: kms:Encrypt on resource: {key} because no "
        "identity-based policy allows the kms:Encrypt action")
    assert without_kms.put_parameter(Name="/app/plain", Value="p", Type="String")["Version"] == 1  # no key involved
    with_kms = _user(aws, "bob", write, through_ssm)("ssm")
    with_kms.put_parameter(Name="/app/secret", Value="s", Type="SecureString", KeyId=key)
    assert with_kms.get_parameter(Name="/app/secret", WithDecryption=True)["Parameter"]["Value"] == "s"
    assert "kms:Decrypt" in _refusal(lambda: without_kms.get_parameter(Name="/app/secret", WithDecryption=True))
    assert without_kms.get_parameter(Name="/app/secret")["Parameter"]["Type"] == "SecureString"  # still encrypted: no KMS call
    # the same rights outside Parameter Store do not reach the key
    assert "kms:Encrypt" in _refusal(lambda: _user(aws, "cy", through_ssm)("kms").encrypt(KeyId=key, Plaintext=b"x"))


def test_s3_uses_the_buckets_key_with_the_callers_rights(aws: EmbeddedAws) -> None:
    key, s3 = _key(aws), aws.client("s3")
    s3.create_bucket(Bucket="sealed")
    s3.put_bucket_encryption(Bucket="sealed", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, "BucketKeyEnabled": True}]})
    objects = {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::sealed/*"}
    keyless = _user(aws, "ana", objects)("s3")
    assert _refusal(lambda: keyless.put_object(Bucket="sealed", Key="data.csv", Body=b"1")) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/ana is not authorized to perform: kms:GenerateDataKey on resource: {key} because no "
        "identity-based policy allows the kms:GenerateDataKey action")
    keyed = _user(aws, "bob", objects, {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key})("s3")
    keyed.put_object(Bucket="sealed", Key="data.csv", Body=b"1")
    assert keyed.get_object(Bucket="sealed", Key="data.csv")["Body"].read() == b"1"
    assert "kms:Decrypt" in _refusal(lambda: keyless.get_object(Bucket="sealed", Key="data.csv"))


def test_s3_uses_the_key_a_write_names_with_the_callers_rights(aws: EmbeddedAws) -> None:
    default, named, s3 = _key(aws), _key(aws), aws.client("s3")
    s3.create_bucket(Bucket="sealed")
    s3.put_bucket_encryption(Bucket="sealed", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": default}}]})
    objects = {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::sealed/*"}
    writer = _user(aws, "cy", objects, {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": default})("s3")
    assert _refusal(lambda: writer.put_object(Bucket="sealed", Key="a.csv", Body=b"1", ServerSideEncryption="aws:kms", SSEKMSKeyId=named)) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/cy is not authorized to perform: kms:GenerateDataKey on resource: {named} because no "
        "identity-based policy allows the kms:GenerateDataKey action")
    writer.put_object(Bucket="sealed", Key="a.csv", Body=b"1", ServerSideEncryption="aws:kms", SSEKMSKeyId=default)
    assert writer.get_object(Bucket="sealed", Key="a.csv")["Body"].read() == b"1"
