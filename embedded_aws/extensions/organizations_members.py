"""Existing accounts join an organization by invitation: InviteAccountToOrganization, then AcceptHandshake.

moto 5.2.5 lets an organization grow only by CreateAccount, which makes a new account with a random
id: the embedded AWS's own staging and prod accounts could never be members, so nothing that targets
organizational units (service-managed stack sets) could reach them. As in Organizations:

* the management account invites an account (``Target={"Type": "ACCOUNT", "Id": ...}``) and gets an
  ``OPEN`` handshake; an account already in an organization is refused (``DuplicateAccountException``);
* only the invited account can accept (``AcceptHandshake``) or decline it; accepting makes it a member
  in the root (``JoinedMethod=INVITED``) under the default policies, and its own DescribeOrganization
  then answers the organization;
* DescribeHandshake, ListHandshakesForAccount and ListHandshakesForOrganization report them.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
from datetime import timedelta
from typing import Any, cast

from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow
from moto.organizations import utils as org_utils
from moto.organizations.models import FakeAccount, OrganizationsBackend, organizations_backends
from moto.organizations.responses import OrganizationsResponse

from embedded_aws.extensions.base import Extension, Patcher

HANDSHAKE_DAYS = 15


class _Handshakes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        with self.lock:
            self.by_id.clear()


HANDSHAKES = _Handshakes()


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


def _member_of(account_id: str) -> str | None:
    """The management account of the organization ``account_id`` belongs to (itself for a management account)."""
    if organizations_backends[account_id]["aws"].org is not None:
        return account_id
    owner = organizations_backends.master_accounts.get(account_id)
    return owner[0] if owner else None


def invite(management: OrganizationsBackend, target: dict[str, Any], notes: str | None) -> dict[str, Any]:
    """An ``OPEN`` invitation of ``target`` to the management account's organization."""
    org = management.org
    if org is None:
        raise _error("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
    if target.get("Type") != "ACCOUNT" or not str(target.get("Id", "")).isdigit() or len(str(target["Id"])) != 12:
        raise _error("InvalidInputException",
                     "You provided a value that does not match the required pattern: Target must be an ACCOUNT with a 12-digit Id.")
    account_id = str(target["Id"])
    if _member_of(account_id) is not None:
        raise _error("DuplicateAccountException", "That account is already a member of an organization.")
    with HANDSHAKES.lock:
        if any(h["State"] == "OPEN" and _party(h, "ACCOUNT") == account_id and h["_management"] == management.account_id
               for h in HANDSHAKES.by_id.values()):
            raise _error("DuplicateHandshakeException", "A handshake with the same action and target already exists.")
        handshake_id = "h-" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
        now = utcnow()
        handshake = {
            "Id": handshake_id,
            "Arn": f"arn:aws:organizations::{management.account_id}:handshake/{org.id}/invite/{handshake_id}",
            "Parties": [{"Id": org.id.removeprefix("o-"), "Type": "ORGANIZATION"}, {"Id": account_id, "Type": "ACCOUNT"}],
            "State": "OPEN", "RequestedTimestamp": now, "ExpirationTimestamp": now + timedelta(days=HANDSHAKE_DAYS),
            "Action": "INVITE",
            "Resources": [{"Value": org.id, "Type": "ORGANIZATION", "Resources": [
                {"Value": org.master_account_email, "Type": "MASTER_EMAIL"}, {"Value": management.account_id, "Type": "MASTER_NAME"},
                {"Value": org.feature_set, "Type": "ORGANIZATION_FEATURE_SET"}]},
                {"Value": account_id, "Type": "ACCOUNT"}, *([{"Value": notes, "Type": "NOTES"}] if notes else [])],
            "_management": management.account_id,
        }
        HANDSHAKES.by_id[handshake_id] = handshake
    return handshake


def respond(account_id: str, handshake_id: str, accept: bool) -> dict[str, Any]:
    """The invited account accepts (joins) or declines."""
    with HANDSHAKES.lock:
        handshake = HANDSHAKES.by_id.get(handshake_id)
        if handshake is None or account_id not in (_party(handshake, "ACCOUNT"), handshake["_management"]):
            raise _error("HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.")
        if _party(handshake, "ACCOUNT") != account_id:
            raise _error("AccessDeniedException", "You don't have permissions to access this resource.")
        if handshake["State"] != "OPEN":
            raise _error("InvalidHandshakeTransitionException",
                         f"You can't perform the operation on the handshake in its current state {handshake['State']}.")
        if accept:
            if _member_of(account_id) is not None:
                raise _error("HandshakeConstraintViolationException", "The account is already a member of an organization.")
            join(organizations_backends[handshake["_management"]]["aws"], account_id)
        handshake["State"] = "ACCEPTED" if accept else "DECLINED"
        return handshake


def join(management: OrganizationsBackend, account_id: str) -> FakeAccount:
    """Make an existing account a member in the root, as an accepted invitation does."""
    org = management.org
    assert org is not None
    account = cast(FakeAccount, FakeAccount.__new__(FakeAccount))  # FakeAccount() would mint a new random account id
    account.type, account.region = "ACCOUNT", org.region
    account.organization_id, account.master_account_id = org.id, org.master_account_id
    account.create_account_status_id = org_utils.make_random_create_account_status_id()
    account.id, account.name, account.email = account_id, f"account-{account_id}", f"{account_id}@embedded.example"
    account.create_time, account.status, account.state = utcnow(), "ACTIVE", "ACTIVE"
    account.joined_method, account.parent_id = "INVITED", org.root_id
    account.attached_policies, account.tags = [], {}
    management.accounts.append(account)
    for policy_id in (org_utils.DEFAULT_SCP_POLICY_ID, org_utils.DEFAULT_RCP_POLICY_ID):
        management.attach_policy(PolicyId=policy_id, TargetId=account_id)
    organizations_backends.master_accounts[account_id] = (management.account_id, management.partition)
    return account


def _party(handshake: dict[str, Any], kind: str) -> str:
    return next(p["Id"] for p in handshake["Parties"] if p["Type"] == kind)


def _public(handshake: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.timestamp() if hasattr(v, "timestamp") else v) for k, v in handshake.items() if not k.startswith("_")}


class _Api:
    @staticmethod
    def invite_account_to_organization(self: Any) -> str:
        handshake = invite(self.organizations_backend, self._get_param("Target") or {}, self._get_param("Notes"))
        return json.dumps({"Handshake": _public(handshake)})

    @staticmethod
    def accept_handshake(self: Any) -> str:
        return json.dumps({"Handshake": _public(respond(self.current_account, self._get_param("HandshakeId"), accept=True))})

    @staticmethod
    def decline_handshake(self: Any) -> str:
        return json.dumps({"Handshake": _public(respond(self.current_account, self._get_param("HandshakeId"), accept=False))})

    @staticmethod
    def describe_handshake(self: Any) -> str:
        handshake = HANDSHAKES.by_id.get(self._get_param("HandshakeId"))
        if handshake is None or self.current_account not in (_party(handshake, "ACCOUNT"), handshake["_management"]):
            raise _error("HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.")
        return json.dumps({"Handshake": _public(handshake)})

    @staticmethod
    def list_handshakes_for_account(self: Any) -> str:
        mine = [h for h in HANDSHAKES.by_id.values() if _party(h, "ACCOUNT") == self.current_account]
        return json.dumps({"Handshakes": [_public(h) for h in mine]})

    @staticmethod
    def list_handshakes_for_organization(self: Any) -> str:
        if self.organizations_backend.org is None:
            raise _error("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
        mine = [h for h in HANDSHAKES.by_id.values() if h["_management"] == self.current_account]
        return json.dumps({"Handshakes": [_public(h) for h in mine]})


class OrganizationInvitations(Extension):
    name = "organizations-invitations"
    summary = "Existing accounts join an organization by InviteAccountToOrganization + AcceptHandshake (moto can only create new random accounts)"

    def install(self, patcher: Patcher) -> None:
        for name in ("invite_account_to_organization", "accept_handshake", "decline_handshake", "describe_handshake",
                     "list_handshakes_for_account", "list_handshakes_for_organization"):
            patcher.replace(OrganizationsResponse, name, getattr(_Api, name))

    def reset(self) -> None:
        HANDSHAKES.clear()
        organizations_backends.master_accounts.clear()  # moto's reset clears the organizations but not this map of members
