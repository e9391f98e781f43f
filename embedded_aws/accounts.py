"""The three accounts of the embedded AWS and how callers reach each one."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

# moto answers requests signed with unknown keys as this account, so a plain client lands in tooling.
TOOLING_ACCOUNT_ID = "123456789012"
STAGING_ACCOUNT_ID = "222222222222"
PROD_ACCOUNT_ID = "333333333333"

#: Role that AWS Organizations creates in member accounts; the platform assumes it to deploy there.
ACCESS_ROLE_NAME = "OrganizationAccountAccessRole"
ADMIN_USER_NAME = "embedded-admin"


@dataclass(frozen=True)
class AccountSet:
    """Account ids of the tooling (dev), staging and prod accounts."""

    tooling: str = TOOLING_ACCOUNT_ID
    staging: str = STAGING_ACCOUNT_ID
    prod: str = PROD_ACCOUNT_ID

    def by_name(self) -> dict[str, str]:
        """Return ``{"tooling": id, "staging": id, "prod": id}``."""
        return asdict(self)

    def targets(self) -> dict[str, str]:
        """Return the accounts models are deployed to (staging and prod)."""
        return {"staging": self.staging, "prod": self.prod}


@dataclass(frozen=True)
class AccountCredentials:
    """Long-lived keys of the admin user created in one embedded account."""

    account_id: str
    access_key_id: str
    secret_access_key: str


def access_role_trust_policy(trusted_account_id: str) -> str:
    """Trust policy letting principals of ``trusted_account_id`` assume the access role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{trusted_account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
