"""KMS keys as IAM sees them: a key's policy decides, and services use keys with their caller's rights.

Every request on a customer managed key is authorized by the key policy: a statement naming the caller allows by
itself; one naming the account (``arn:aws:iam::<account>:root``) lets the account's identity policies decide; a key
policy that names neither refuses whatever IAM says. AWS managed keys (``alias/aws/...``) let any principal of the
account use them through their service.

Services encrypt with the caller's rights: Parameter Store asks ``kms:Encrypt`` for a SecureString it stores and
``kms:Decrypt`` for one it returns decrypted, S3 asks ``kms:GenerateDataKey`` for an object it encrypts and
``kms:Decrypt`` for one it returns, each with ``kms:ViaService`` and ``kms:CallerAccount`` set
(:func:`on_behalf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from embedded_aws.iam.actions import Authorization, Scope, value


@dataclass(frozen=True)
class Key:
    """A key in moto's backend: its ARN, policy and whether AWS manages it."""

    arn: str
    policy: dict[str, Any] | None
    aws_managed: bool


def find_key(key_id: str, account: str, region: str) -> Key | None:
    """The key ``key_id`` names (id, ARN, alias name or alias ARN), or ``None`` when there is none."""
    import json

    from moto.kms.models import kms_backends

    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        region, account = parts[3] or region, parts[4] or account
    backend = kms_backends[account][region]
    name = backend.get_alias_name(key_id)
    if name.startswith("alias/aws/"):
        return Key(f"arn:aws:kms:{region}:{account}:{name}", None, True)
    try:
        raw = backend.any_id_to_key_id(key_id)
    except Exception:  # noqa: BLE001 - moto raises for an unknown alias: no such key
        return None
    key = backend.keys.get(raw)
    if key is None:
        return None
    policy = json.loads(key.policy) if isinstance(key.policy, str) and key.policy else None
    return Key(key.arn, policy, getattr(key, "key_manager", "CUSTOMER") == "AWS")


def key_policy_of(resource: str, account: str) -> Key | None:
    """The key a KMS resource ARN designates (``None`` for aliases, which have no policy, and unknown keys)."""
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
        return None
    return find_key(resource, account, parts[3])


def _service_keys(service: str, scope: Scope) -> dict[str, list[str]]:
    return {"kms:viaservice": [f"{service}.{scope.region}.amazonaws.com"], "kms:calleraccount": [scope.account]}


def _use(action: str, key_id: str | None, service: str, scope: Scope, context: dict[str, list[str]] | None = None) -> list[Authorization]:
    if not key_id:
        return []
    key = find_key(key_id, scope.account, scope.region)
    if key is None or key.aws_managed:  # an AWS managed key serves every principal of the account through its service
        return []
    return [Authorization(action, (key.arn,), {**_service_keys(service, scope), **(context or {})})]


def on_behalf(service: str, operation: str, params: dict[str, Any], scope: Scope) -> list[Authorization]:
    """What KMS authorizes for the caller when ``service`` performs ``operation`` (Parameter Store's SecureStrings)."""
    if service == "ssm" and operation == "PutParameter" and value(params, "Type") == ["SecureString"]:
        names = value(params, "Name")
        arn = f"arn:aws:ssm:{scope.region}:{scope.account}:parameter/{names[0].lstrip('/')}" if names else ""
        return _use("kms:Encrypt", (value(params, "KeyId") or ["alias/aws/ssm"])[0], "ssm", scope,
                    {"kms:encryptioncontext:parameter_arn": [arn]} if arn else None)
    if service == "ssm" and operation in ("GetParameter", "GetParameters") and str(params.get("WithDecryption", "")).lower() == "true":
        return [use for key_id in _secure_string_keys(params, scope) for use in _use("kms:Decrypt", key_id, "ssm", scope)]
    return []


def _secure_string_keys(params: dict[str, Any], scope: Scope) -> list[str]:
    """The keys of the SecureString parameters a read names."""
    from moto.ssm.models import ssm_backends

    backend = ssm_backends[scope.account][scope.region]
    names = value(params, "Name") or value(params, "Names[]")
    keys: list[str] = []
    for name in names:
        try:
            found = backend.get_parameter(name)
        except Exception:  # noqa: BLE001 - an unknown parameter is moto's to report (ParameterNotFound)
            found = None
        if found is not None and found.parameter_type == "SecureString" and found.keyid:
            keys.append(found.keyid)
    return keys


def s3_on_behalf(action: str, bucket: str, key: str, account: str, region: str,
                 requested: Mapping[str, str] | None = None) -> list[Authorization]:
    """KMS use when S3 writes (``s3:PutObject``: the key the request's SSE-KMS headers name, else the bucket's default) or
    reads (``s3:GetObject``) an object encrypted with a KMS key."""
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    found = backend.buckets.get(bucket)
    if found is None:
        return []
    scope = Scope(region, account)
    context = {"kms:encryptioncontext:aws:s3:arn": [f"arn:aws:s3:::{bucket}" if _bucket_key(found) else f"arn:aws:s3:::{bucket}/{key}"]}
    if action == "s3:PutObject":
        headers = {k.lower(): v for k, v in (requested or {}).items()}
        if headers.get("x-amz-server-side-encryption") == "aws:kms":
            return _use("kms:GenerateDataKey", headers.get("x-amz-server-side-encryption-aws-kms-key-id") or "alias/aws/s3", "s3",
                        scope, context)
        rule = ((found.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
        if rule.get("SSEAlgorithm") == "aws:kms":
            return _use("kms:GenerateDataKey", rule.get("KMSMasterKeyID") or "alias/aws/s3", "s3", scope, context)
        return []
    if action == "s3:GetObject":
        stored = found.keys.get(key)
        if stored is not None and getattr(stored, "encryption", None) == "aws:kms":
            return _use("kms:Decrypt", getattr(stored, "kms_key_id", None) or "alias/aws/s3", "s3", scope, context)
    return []


def _bucket_key(bucket: Any) -> bool:
    return bool(((bucket.encryption or {}).get("Rule") or {}).get("BucketKeyEnabled"))
