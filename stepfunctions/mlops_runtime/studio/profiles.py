"""Who may open which Studio user profile: an explicit mapping table, never "user name equals profile name".

Table ``<project>-studio-profiles``: key ``subject`` (the token's ``iss`` + ``sub``), attributes ``domain_id``,
``user_profile_name`` and ``enabled``. An administrator writes it; a caller without an enabled entry has no profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StudioProfile:
    domain_id: str
    user_profile_name: str


def subject_key(claims: dict[str, Any]) -> str:
    """Issuer and subject together: the same ``sub`` from two issuers is two people."""
    return f"{claims['iss']}#{claims['sub']}"


class ProfileMapping:
    """Reads and writes the mapping table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb, self.table = dynamodb, table

    def profile_for(self, claims: dict[str, Any]) -> StudioProfile | None:
        item = self.dynamodb.get_item(TableName=self.table, Key={"subject": {"S": subject_key(claims)}}, ConsistentRead=True).get("Item")
        if not item or item.get("enabled", {}).get("BOOL") is False:
            return None
        return StudioProfile(item["domain_id"]["S"], item["user_profile_name"]["S"])

    def assign(self, issuer: str, subject: str, profile: StudioProfile) -> None:
        self.dynamodb.put_item(TableName=self.table, Item={
            "subject": {"S": f"{issuer}#{subject}"}, "domain_id": {"S": profile.domain_id},
            "user_profile_name": {"S": profile.user_profile_name}, "enabled": {"BOOL": True}})
