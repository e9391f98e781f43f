"""Who signed a request to the embedded AWS, and the policies IAM evaluates for them.

Keys of an IAM user or of an STS session (AssumeRole, as Lambda, CodeBuild and Step Functions get) are principals whose
policies are enforced. Any other key stands for the account's root credentials, which IAM policies do not restrict:
the embedded AWS's own clients (``x-moto-account-id``) and keys that name an account.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from embedded_aws.iam.evaluator import parse_document

USER, ROLE_SESSION = "IAMUser", "AssumedRole"


@dataclass(frozen=True)
class Caller:
    """The principal behind one access key."""

    kind: str  # USER or ROLE_SESSION
    arn: str  # arn:aws:iam::<account>:user/<name> or arn:aws:sts::<account>:assumed-role/<role>/<session>
    account: str
    name: str  # the user's name, or the role's name for a session
    session_name: str = ""
    session_policy: str | None = None
    role_arn: str = ""

    def context(self, tags: Mapping[str, str]) -> dict[str, list[str]]:
        """The global condition keys IAM sets for this principal."""
        keys = {
            "aws:principalarn": [self.role_arn or self.arn],
            "aws:principalaccount": [self.account],
            "aws:principaltype": [self.kind],
            "aws:securetransport": ["true"],  # requests to the embedded AWS stand for HTTPS requests to AWS
        }
        if self.kind == USER:
            keys["aws:username"] = [self.name]
        else:
            keys["aws:rolesessionname"] = [self.session_name]
            keys["aws:multifactorauthpresent"] = ["false"]
        for key, value in tags.items():
            keys[f"aws:principaltag/{key.lower()}"] = [value]
        return keys


@dataclass
class Permissions:
    """What IAM evaluates for a caller: identity policies, a permissions boundary and a session policy."""

    identity: list[dict[str, Any]] = field(default_factory=list)
    boundary: dict[str, Any] | None = None
    session: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)


class Directory:
    """Finds the caller behind an access key (remembered: a key never changes owner) and reads its policies afresh."""

    def __init__(self) -> None:
        self._callers: dict[str, Caller | None] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._callers.clear()

    def caller(self, access_key_id: str) -> Caller | None:
        """The user or role session owning ``access_key_id``; ``None`` for root credentials."""
        with self._lock:
            if access_key_id in self._callers:
                return self._callers[access_key_id]
        found = _find(access_key_id)
        if found is not None or not access_key_id.startswith(("AKIA", "ASIA")):
            with self._lock:
                self._callers[access_key_id] = found
        return found

    @staticmethod
    def permissions(caller: Caller) -> Permissions:
        iam = iam_backends[caller.account]["aws"]
        if caller.kind == USER:
            user = iam.get_user(caller.name)
            documents = list(user.policies.values()) + [_managed(p) for p in user.managed_policies.values()]
            for group in iam.get_groups_for_user(caller.name):
                documents += list(group.policies.values()) + [_managed(p) for p in group.managed_policies.values()]
            boundary_arn = getattr(user, "permissions_boundary_arn", None)
            tags = {t["Key"]: t["Value"] for t in _tag_list(getattr(user, "tags", None))}
        else:
            try:
                role = iam.get_role_by_arn(caller.role_arn)
            except Exception:  # noqa: BLE001 - moto's NotFound types: a deleted or never-created role grants nothing
                return Permissions()
            documents = list(role.policies.values()) + [_managed(p) for p in role.managed_policies.values()]
            boundary_arn = role.permissions_boundary_arn
            tags = {t["Key"]: t["Value"] for t in _tag_list(role.tags)}
        boundary = _managed(iam.get_policy(boundary_arn)) if boundary_arn else None
        return Permissions(
            identity=[parse_document(d) for d in documents],
            boundary=parse_document(boundary) if boundary else None,
            session=parse_document(caller.session_policy) if caller.session_policy else None,
            tags=tags,
        )


def _tag_list(tags: Any) -> list[dict[str, str]]:
    if isinstance(tags, dict):
        return [{"Key": k, "Value": (v["Value"] if isinstance(v, dict) else v)} for k, v in tags.items()]
    return list(tags or [])


def _managed(policy: Any) -> str:
    """The default version's document of a managed policy."""
    version = next((v for v in policy.versions if v.version_id == policy.default_version_id), policy.versions[0])
    document = version.document
    return document if isinstance(document, str) else json.dumps(document)


def _find(access_key_id: str) -> Caller | None:
    for account_id, partitions in list(iam_backends.items()):
        user = partitions["aws"].get_user_from_access_key_id(access_key_id)
        if user is not None:
            return Caller(USER, user.arn, account_id, user.name)
    for account_id, sessions in list(sts_backends.items()):
        session = sessions["aws"].get_assumed_role_from_access_key(access_key_id)
        if session is not None:
            role_name = session.role_arn.split(":", 5)[5].rsplit("/", 1)[-1]
            account = session.role_arn.split(":")[4] or account_id
            return Caller(ROLE_SESSION, session.arn, account, role_name, session.session_name, session.policy or None,
                          session.role_arn)
    return None


def trusts_service(role_arn: str, service: str) -> bool:
    """The role exists and its trust policy lets ``service`` (``states.amazonaws.com``, or its regional form) assume it."""
    try:
        role = iam_backends[role_arn.split(":")[4]]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto raises its own NotFound types: any failure means no such role
        return False
    document = role.assume_role_policy_document
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    prefix = service.split(".", 1)[0] + "."
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal")
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and any(s == service or (s.startswith(prefix) and s.endswith(".amazonaws.com"))
                                                      for s in services):
            return True
    return False


def credentials_of(access_key_id: str) -> tuple[str, str | None] | None:
    """(secret key, session token) the embedded AWS issued with ``access_key_id`` to a user or a role session.

    For services that act with their caller's own credentials (Service Catalog without a launch role).
    """
    for partitions in list(iam_backends.values()):
        key = partitions["aws"].access_keys.get(access_key_id)
        if key is not None:
            return key.secret_access_key, None
    for sessions in list(sts_backends.values()):
        session = sessions["aws"].get_assumed_role_from_access_key(access_key_id)
        if session is not None:
            return session.secret_access_key, session.session_token
    return None


def assume_role(role_arn: str, session_name: str, region: str, duration: int = 3600) -> Any:
    """A new session of ``role_arn`` (moto's ``AssumedRole``), opened as a service assuming it would."""
    return sts_backends[role_arn.split(":")[4]]["aws"].assume_role(
        region_name=region, role_session_name=session_name[:64], role_arn=role_arn, policy="", duration=duration, external_id="")


def role_credentials(role_arn: str, session_name: str, region: str) -> tuple[str, str, str]:
    """(access key, secret key, session token) of a new session of ``role_arn`` (a service assuming it)."""
    session = assume_role(role_arn, session_name, region)
    return session.access_key_id, session.secret_access_key, session.session_token


#: The one directory of callers (the authorizer and the services that check who calls share it).
DIRECTORY = Directory()


def group_arns(caller: Caller) -> list[str]:
    """ARNs of the IAM groups a user belongs to (none for a role session)."""
    if caller.kind != USER:
        return []
    return [group.arn for group in iam_backends[caller.account]["aws"].get_groups_for_user(caller.name)]
