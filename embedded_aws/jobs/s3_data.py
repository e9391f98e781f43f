"""Job data in and out of S3, as SageMaker moves it: with the job role's credentials, by prefix or manifest-free key."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class DataError(Exception):
    """Input or output data could not be moved (the job fails with ClientError)."""


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise DataError(f"{uri} is not an S3 URI")
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def download(s3: Any, uri: str, target: Path) -> int:
    """Objects under the prefix of ``uri`` into ``target`` (the part of the key after the prefix, or the key's
    last segment when the prefix is the whole key); the number of files. No object at all is an error."""
    bucket, prefix = split_uri(uri)
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue
                relative = key[len(prefix):].lstrip("/") or key.rsplit("/", 1)[-1]
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
                count += 1
    except s3.exceptions.ClientError as exc:
        raise DataError(f"cannot read {uri}: {exc.response['Error'].get('Message') or exc.response['Error']['Code']}") from exc
    if count == 0:
        raise DataError(f"no data found at {uri}")
    return count


def upload_folder(s3: Any, source: Path, uri: str, kms_key: str | None = None) -> int:
    """Every file under ``source`` to ``uri``/<relative path>; the number of files."""
    bucket, prefix = split_uri(uri)
    count = 0
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        upload_file(s3, path, bucket, f"{prefix.rstrip('/')}/{path.relative_to(source).as_posix()}".lstrip("/"), kms_key)
        count += 1
    return count


def upload_file(s3: Any, path: Path, bucket: str, key: str, kms_key: str | None = None) -> None:
    extra: dict[str, Any] = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key} if kms_key else {}
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), **extra)
    except s3.exceptions.ClientError as exc:
        raise DataError(f"cannot write s3://{bucket}/{key}: {exc.response['Error'].get('Message') or exc.response['Error']['Code']}") from exc


def read_text(s3: Any, uri: str) -> str:
    bucket, key = split_uri(uri)
    try:
        return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
    except s3.exceptions.ClientError as exc:
        raise DataError(f"cannot read {uri}: {exc.response['Error'].get('Message') or exc.response['Error']['Code']}") from exc
