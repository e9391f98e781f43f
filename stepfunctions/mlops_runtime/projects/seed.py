"""A new project's source buckets start with the platform's seed repositories (model build, model deploy).

The project template's ``Custom::ProjectSeed`` resource asks for this when SageMaker launches the
template, from Studio or from ``mlops project create`` alike. A seed is copied only where the source
object does not exist yet: a project's repositories belong to its team, so an update never overwrites
what they pushed, and a delete leaves the contents to the project's delete (which empties the buckets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.aws.custom_resources import CustomResourceRequest, Outcome

SEED_KINDS = ("ModelBuild", "ModelDeploy")


@dataclass(frozen=True)
class SeedLocation:
    """Where the platform keeps one seed repository (a zip)."""

    bucket: str
    key: str


def seed_sources(s3: Any, properties: dict[str, Any], seeds: dict[str, SeedLocation]) -> dict[str, str]:
    """Copy each seed into its source bucket unless the source object exists; returns ``{kind: "seeded"|"kept"}``."""
    done = {}
    for kind in SEED_KINDS:
        bucket, key = properties[f"{kind}SourceBucket"], properties[f"{kind}SourceKey"]
        if _exists(s3, bucket, key):
            done[kind] = "kept"
            continue
        seed = seeds[kind]
        # the copy is the first push: its Object Created event starts the kind's pipeline
        s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": seed.bucket, "Key": seed.key},
                       ContentType="application/zip", MetadataDirective="REPLACE")
        done[kind] = "seeded"
    return done


def on_request(s3: Any, request: CustomResourceRequest, seeds: dict[str, SeedLocation]) -> Outcome:
    """Create and Update seed what is missing; Delete leaves the sources to the project's delete."""
    physical_id = request.physical_id or f"{request.properties['ModelBuildSourceBucket']}/seed"
    if request.request_type == "Delete":
        return Outcome(physical_id)
    done = seed_sources(s3, request.properties, seeds)
    return Outcome(physical_id, {f"{kind}Seed": state for kind, state in done.items()})


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
