"""The tags of the resource a request acts on, as IAM reads them for ``aws:ResourceTag/<key>``.

IAM evaluates ``aws:ResourceTag`` against the resource's current tags; a resource that cannot be tagged (a KMS alias)
or does not exist yet has none, so a condition on it does not match. Tags are read from moto's backends for the
resource types the platform's policies condition on tags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _as_dict(tags: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """Tags as moto keeps them (a list of pairs, or a map of pairs or of values) as ``{key: value}``."""
    if isinstance(tags, dict):
        return {str(k): str(v[value] if isinstance(v, dict) else v) for k, v in tags.items()}
    return {str(t[key]): str(t[value]) for t in tags or [] if isinstance(t, dict) and key in t}


def _kms(account: str, region: str, resource: str) -> dict[str, str] | None:
    from moto.kms.models import kms_backends

    if not resource.startswith("key/"):
        return None  # aliases carry no tags
    backend = kms_backends[account][region]
    key_id = resource.split("/", 1)[1]
    if key_id not in backend.keys:
        return None
    return _as_dict(backend.list_resource_tags(key_id)["Tags"], "TagKey", "TagValue")


def _catalog(account: str, region: str, resource: str) -> dict[str, str] | None:
    from moto.servicecatalog.models import servicecatalog_backends

    backend = servicecatalog_backends[account][region]
    arn = f"arn:aws:catalog:{region}:{account}:{resource}"
    return _as_dict(backend.tagger.get_tag_dict_for_resource(arn)) if backend.tagger.has_tags(arn) else None


def _sagemaker(account: str, region: str, resource: str) -> dict[str, str] | None:
    from moto.sagemaker.models import sagemaker_backends

    try:
        tags = sagemaker_backends[account][region].list_tags(f"arn:aws:sagemaker:{region}:{account}:{resource}")
    except Exception:  # noqa: BLE001 - moto raises for resources it does not know: no tags
        return None
    return _as_dict(tags)


def _iam(account: str, region: str, resource: str) -> dict[str, str] | None:
    from moto.iam.models import iam_backends

    kind, _, name = resource.partition("/")
    backend = iam_backends[account]["aws"]
    name = name.rsplit("/", 1)[-1]
    if kind == "role":
        role = next((r for r in backend.roles.values() if r.name == name), None)
        return _as_dict(role.tags) if role is not None else None
    if kind == "user" and name in backend.users:
        return _as_dict(backend.users[name].tags)
    return None


def _s3(account: str, region: str, resource: str) -> dict[str, str] | None:
    from moto.s3.models import s3_backends

    bucket = resource.split("/", 1)[0]
    backend = s3_backends[account]["aws"]
    if "/" in resource or bucket not in backend.buckets:
        return None  # object tags are s3:ExistingObjectTag, not aws:ResourceTag
    return _as_dict(backend.get_bucket_tagging(bucket)["Tags"])


_READERS: dict[str, Callable[[str, str, str], dict[str, str] | None]] = {
    "kms": _kms, "catalog": _catalog, "servicecatalog": _catalog, "sagemaker": _sagemaker, "iam": _iam, "s3": _s3,
}


def tags_of(arn: str, account: str) -> dict[str, str] | None:
    """The current tags of the resource ``arn`` names (``account``: the request's, for ARNs that omit it); ``None``
    when the resource does not exist, cannot carry tags, or its service is not read here."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    service, region, owner, resource = parts[2], parts[3], parts[4] or account, parts[5]
    reader = _READERS.get(service)
    if reader is None:
        return None
    try:
        return reader(owner, region, resource)
    except Exception:  # noqa: BLE001 - a backend that does not know the account or region has no such resource
        return None


def resource_tag_keys(arn: str, account: str, service: str) -> dict[str, Any]:
    """``aws:ResourceTag/<key>`` (and the service's own ``<service>:ResourceTag/<key>``) for the resource's tags."""
    tags = tags_of(arn, account)
    if not tags:
        return {}
    keys: dict[str, Any] = {}
    for key, value in tags.items():
        keys[f"aws:resourcetag/{key.lower()}"] = [value]
        keys[f"{service}:resourcetag/{key.lower()}"] = [value]
    return keys
