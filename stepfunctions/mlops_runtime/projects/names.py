"""Names SageMaker and the platform agree on for project templates."""

from __future__ import annotations

#: The standard launch role of SageMaker project templates (the platform creates it when missing).
LAUNCH_ROLE_NAME = "AmazonSageMakerServiceCatalogProductsLaunchRole"
#: The product tag that makes a Service Catalog product a project template in Studio.
STUDIO_VISIBILITY_TAG = "sagemaker:studio-visibility"


def project_prefix(platform: str, project_name: str) -> str:
    """Physical-name prefix of a project's resources: ``<platform>-<project>``."""
    return f"{platform}-{project_name}"


#: S3's limit on bucket names.
BUCKET_NAME_LIMIT = 63
#: The longest region code (``ap-southeast-1``, ``ap-northeast-3``...): templates are region-agnostic, so names must fit it.
LONGEST_REGION = 14
#: What follows the prefix in the longest bucket a project makes: ``-modeldeploy-source-<account>-<region>``.
LONGEST_BUCKET_SUFFIX = len("-modeldeploy-source-") + 12 + 1 + LONGEST_REGION
#: SageMaker's own limit is 32; the platform's default room is 12.
PROJECT_NAME_MAX = 12
PROJECT_NAME_MIN = 2
#: The longest platform name that leaves room for a project name of the minimum length.
PLATFORM_NAME_MAX = BUCKET_NAME_LIMIT - 1 - LONGEST_BUCKET_SUFFIX - PROJECT_NAME_MIN


def max_project_name_length(platform: str) -> int:
    """The longest project name whose buckets fit S3's limit in every region (under platform ``platform``)."""
    return min(PROJECT_NAME_MAX, BUCKET_NAME_LIMIT - len(platform) - 1 - LONGEST_BUCKET_SUFFIX)


def project_name_pattern(platform: str) -> str:
    """The pattern project names must match under ``platform``: lowercase, starting with a letter, short enough."""
    return rf"^[a-z][a-z0-9-]{{{PROJECT_NAME_MIN - 1},{max_project_name_length(platform) - 1}}}$"
