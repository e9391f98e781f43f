"""A session a service holds of a role it was given: what a job, a pipeline or a pipeline action does, it does as the role.

Calls go through the embedded AWS's own endpoint, signed with the session's keys, so IAM, bucket policies,
key policies and network rules apply to them as to any caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.config import Config
from moto.settings import moto_server_port

from embedded_aws.clients import credentials_client
from embedded_aws.iam.principals import role_credentials


def endpoint_url() -> str:
    """The embedded AWS's endpoint (the server this process runs)."""
    return f"http://localhost:{moto_server_port()}"


@dataclass(frozen=True)
class RoleSession:
    """Keys of one session of a role, in a region: clients for its calls, environment for its processes."""

    region: str
    keys: tuple[str, str, str]  # access key id, secret, session token

    @classmethod
    def of(cls, role_arn: str, region: str, session_name: str) -> RoleSession:
        return cls(region, role_credentials(role_arn, session_name, region))

    def client(self, service: str) -> Any:
        return credentials_client(endpoint_url(), service, *self.keys, region=self.region, config=Config(retries={"max_attempts": 2}))

    def environment(self) -> dict[str, str]:
        key, secret, token = self.keys
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token}
