"""Presigned notebook URLs: issued for one user's own notebook, stored as that user's SecureString."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.environment_types import EnvironmentType

#: Session length the URL opens (SageMaker allows 1800-43200 s); the URL itself must be used within 5 minutes.
SESSION_SECONDS = 43200


@dataclass(frozen=True)
class IssuedUrl:
    user: str
    notebook_name: str
    parameter_name: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"user": self.user, "notebook_name": self.notebook_name, "parameter_name": self.parameter_name, "url": self.url}


def issue_url(sagemaker: Any, ssm: Any, env_type: EnvironmentType, user: str, key_id: str | None) -> IssuedUrl:
    """Create a presigned URL for ``user``'s own notebook and overwrite their parameter with it."""
    notebook = env_type.resource_name(user)
    url = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName=notebook,
                                                            SessionExpirationDurationInSeconds=SESSION_SECONDS)["AuthorizedUrl"]
    parameter = env_type.url_parameter(user)
    request = {"Name": parameter, "Value": url, "Type": "SecureString", "Overwrite": True}
    if key_id:
        request["KeyId"] = key_id
    ssm.put_parameter(**request)
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=parameter, Tags=[{"Key": "owner", "Value": user}])
    return IssuedUrl(user, notebook, parameter, url)


def delete_url(ssm: Any, env_type: EnvironmentType, user: str) -> bool:
    """Remove the user's URL parameter; ``False`` if there was none."""
    try:
        ssm.delete_parameter(Name=env_type.url_parameter(user))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ParameterNotFound":
            return False
        raise
    return True
