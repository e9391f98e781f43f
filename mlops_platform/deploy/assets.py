"""A small ``cdk-assets``: publish a stack's file assets to the platform's asset bucket."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def zip_directory(directory: Path) -> bytes:
    """Deterministic zip of ``directory`` (sorted entries, fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(directory)), ZIP_DATE)
            info.external_attr = (os.stat(path).st_mode & 0o777) << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def substitute(text: str, account_id: str, region: str, partition: str = "aws") -> str:
    return text.replace("${AWS::AccountId}", account_id).replace("${AWS::Region}", region).replace("${AWS::Partition}", partition)


def ensure_bucket(s3: Any, bucket: str, region: str, tags: dict[str, str]) -> None:
    """Create the asset bucket if missing: private, encrypted, TLS-only, tagged."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")},
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
    }))
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})


def publish_assets(s3: Any, manifest_path: Path, account_id: str, region: str, tags: dict[str, str]) -> dict[str, str]:
    """Upload every file asset of the manifest; return ``{source path: s3 URL}``."""
    manifest = json.loads(manifest_path.read_text())
    published: dict[str, str] = {}
    for asset in manifest.get("files", {}).values():
        source = manifest_path.parent / asset["source"]["path"]
        body = zip_directory(source) if source.is_dir() else source.read_bytes()
        for destination in asset["destinations"].values():
            bucket = substitute(destination["bucketName"], account_id, region)
            key = destination["objectKey"]
            ensure_bucket(s3, bucket, region, tags)
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            published[asset["source"]["path"]] = f"https://{bucket}.s3.{region}.amazonaws.com/{key}"
    return published
