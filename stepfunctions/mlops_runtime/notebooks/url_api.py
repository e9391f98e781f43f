"""The URL API's service: the caller's identity decides the notebook; nobody gets someone else's URL."""

from __future__ import annotations

import re
from typing import Any

from mlops_runtime.environment_types import EnvironmentType
from mlops_runtime.errors import ApiError
from mlops_runtime.notebooks import statuses
from mlops_runtime.notebooks.records import EnvironmentRecords
from mlops_runtime.notebooks.urls import SESSION_SECONDS, IssuedUrl, Now, current_url, issue_url, utcnow

IAM_USER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:user/(?:.*/)?(?P<name>[^/]+)$")
ROLE_SESSION_ARN = re.compile(r"^arn:aws[a-z-]*:sts::\d{12}:assumed-role/(?P<role>[^/]+)/(?P<session>[^/]+)$")


def caller_user(user_arn: str | None, analyst_role: str | None = None) -> str:
    """The analyst behind a SigV4 identity: an IAM user, or a session of the analyst persona role ``analyst_role``,
    whose trust policy makes the session name the caller's own user name (so it names the person, not a choice)."""
    found = IAM_USER_ARN.match(user_arn or "")
    if found:
        return found.group("name")
    session = ROLE_SESSION_ARN.match(user_arn or "")
    if analyst_role and session and session.group("role") == analyst_role:
        return session.group("session")
    raise ApiError(403, "only analysts (IAM users or the analyst persona) have notebooks")


def require_own(caller: str, requested: str | None) -> None:
    """A request naming another user is refused outright (never silently answered for the caller)."""
    if requested not in (None, "", caller):
        raise ApiError(403, "you can only obtain the URL of your own notebook")


def _live_record(caller: str, records: EnvironmentRecords, env_type: EnvironmentType) -> dict[str, Any]:
    record = records.get(env_type.resource_name(caller))
    if record is None or record.get("status") in (statuses.TERMINATED, statuses.TERMINATING):
        raise ApiError(404, f"{caller} has no notebook")
    return record


def notebook_url(caller: str, records: EnvironmentRecords, sagemaker: Any, ssm: Any, env_type: EnvironmentType, key_id: str | None,
                 session_seconds: int = SESSION_SECONDS, now: Now = utcnow) -> dict[str, Any]:
    """A URL of the caller's running notebook that can still be opened (the stored one while fresh, else a new one)."""
    record = _running_record(caller, records, env_type, "reading")
    return _answer(current_url(sagemaker, ssm, env_type, caller, key_id, session_seconds, now), record)


def refresh_url(caller: str, records: EnvironmentRecords, sagemaker: Any, ssm: Any, env_type: EnvironmentType,
                key_id: str | None, session_seconds: int = SESSION_SECONDS, now: Now = utcnow) -> dict[str, Any]:
    """A new URL for the caller's running notebook, stored in their parameter."""
    record = _running_record(caller, records, env_type, "refreshing")
    return _answer(issue_url(sagemaker, ssm, env_type, caller, key_id, session_seconds, now), record)


def _running_record(caller: str, records: EnvironmentRecords, env_type: EnvironmentType, doing: str) -> dict[str, Any]:
    record = _live_record(caller, records, env_type)
    if record.get("status") != statuses.COMPLETED:
        raise ApiError(409, f"{record['environment_id']} is {record.get('status')}; start it before {doing} its URL")
    return record


def _answer(issued: IssuedUrl, record: dict[str, Any]) -> dict[str, Any]:
    return {"user": issued.user, "notebook": record["environment_id"], "url": issued.url,
            "issued_at": issued.issued_at.isoformat(), "expires_at": issued.expires_at.isoformat(),
            "session_seconds": issued.session_seconds}
