"""Presigned notebook URLs: issued for one user's own notebook, stored as that user's SecureString.

SageMaker accepts a presigned notebook URL for five minutes after its issue; the session it opens lasts the session
length (1800-43200 s). The stored copy is therefore a convenience that soon expires: reading a URL through the platform
(:func:`current_url`) gives the stored one while it can still be opened, else a newly minted one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mlops_runtime.environment_types import EnvironmentType

#: Default session length the URL opens (SageMaker allows 1800-43200 s).
SESSION_SECONDS = 43200
#: How long after its issue SageMaker accepts a presigned notebook URL.
URL_VALID_SECONDS = 300
#: A stored URL younger than its validity minus this margin is handed out again (time to open it).
OPEN_MARGIN_SECONDS = 60

Now = Callable[[], datetime.datetime]


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@dataclass(frozen=True)
class IssuedUrl:
    user: str
    notebook_name: str
    parameter_name: str
    url: str
    issued_at: datetime.datetime
    session_seconds: int = SESSION_SECONDS

    @property
    def expires_at(self) -> datetime.datetime:
        """When SageMaker stops accepting the URL (the session it opens lasts ``session_seconds`` from then on)."""
        return self.issued_at + datetime.timedelta(seconds=URL_VALID_SECONDS)

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "notebook_name": self.notebook_name, "parameter_name": self.parameter_name, "url": self.url,
                "issued_at": self.issued_at.isoformat(), "expires_at": self.expires_at.isoformat(),
                "session_seconds": self.session_seconds}


def issue_url(sagemaker: Any, ssm: Any, env_type: EnvironmentType, user: str, key_id: str | None,
              session_seconds: int = SESSION_SECONDS, now: Now = utcnow) -> IssuedUrl:
    """Create a presigned URL for ``user``'s own notebook and overwrite their parameter with it (its description says
    when it was issued and until when it can be opened)."""
    notebook = env_type.resource_name(user)
    url = sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName=notebook,
                                                            SessionExpirationDurationInSeconds=session_seconds)["AuthorizedUrl"]
    issued = IssuedUrl(user, notebook, env_type.url_parameter(user), url, now(), session_seconds)
    request = {"Name": issued.parameter_name, "Value": url, "Type": "SecureString", "Overwrite": True,
               "Description": f"Presigned URL of {notebook} issued {issued.issued_at.isoformat(timespec='seconds')}: it opens the "
                              f"notebook until {issued.expires_at.isoformat(timespec='seconds')} only; read a fresh one with "
                              "`mlops notebook url` or GET /notebooks/url"}
    if key_id:
        request["KeyId"] = key_id
    ssm.put_parameter(**request)
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=issued.parameter_name, Tags=[{"Key": "owner", "Value": user}])
    return issued


def stored_url(ssm: Any, env_type: EnvironmentType, user: str, session_seconds: int = SESSION_SECONDS) -> IssuedUrl | None:
    """The stored URL with its issue time (the parameter's last modification), or ``None`` when there is none."""
    try:
        parameter = ssm.get_parameter(Name=env_type.url_parameter(user), WithDecryption=True)["Parameter"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ParameterNotFound":
            return None
        raise
    issued_at = parameter["LastModifiedDate"]
    if issued_at.tzinfo is None:
        issued_at = issued_at.replace(tzinfo=datetime.timezone.utc)
    return IssuedUrl(user, env_type.resource_name(user), parameter["Name"], parameter["Value"], issued_at, session_seconds)


def current_url(sagemaker: Any, ssm: Any, env_type: EnvironmentType, user: str, key_id: str | None,
                session_seconds: int = SESSION_SECONDS, now: Now = utcnow) -> IssuedUrl:
    """A URL ``user`` can still open: the stored one while it has at least ``OPEN_MARGIN_SECONDS`` left, else a new one
    (stored in its place). The notebook must be running."""
    stored = stored_url(ssm, env_type, user, session_seconds)
    if stored is not None and now() + datetime.timedelta(seconds=OPEN_MARGIN_SECONDS) < stored.expires_at:
        return stored
    return issue_url(sagemaker, ssm, env_type, user, key_id, session_seconds, now)


def delete_url(ssm: Any, env_type: EnvironmentType, user: str) -> bool:
    """Remove the user's URL parameter; ``False`` if there was none."""
    try:
        ssm.delete_parameter(Name=env_type.url_parameter(user))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ParameterNotFound":
            return False
        raise
    return True
