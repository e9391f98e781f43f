"""Names SageMaker and the platform agree on for project templates."""

from __future__ import annotations

#: The standard launch role of SageMaker project templates (the platform creates it when missing).
LAUNCH_ROLE_NAME = "AmazonSageMakerServiceCatalogProductsLaunchRole"
#: The product tag that makes a Service Catalog product a project template in Studio.
STUDIO_VISIBILITY_TAG = "sagemaker:studio-visibility"


def project_prefix(platform: str, project_name: str) -> str:
    """Physical-name prefix of a project's resources: ``<platform>-<project>``."""
    return f"{platform}-{project_name}"
