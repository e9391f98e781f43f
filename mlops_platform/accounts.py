"""Per-account boto3 clients for the embedded AWS (keys from its state file) or a real AWS organization."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import boto3
import botocore.exceptions
from botocore.config import Config

from embedded_aws.clients import new_session
from mlops_platform.local.state import LocalState
from mlops_runtime.errors import ConfigError

ACCOUNT_NAMES = ("tooling", "staging", "prod")
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


class AccountClients(Protocol):
    """Gives clients acting in the tooling, staging or prod account."""

    region: str

    def client(self, service: str, account: str = "tooling") -> Any: ...

    def account_id(self, account: str) -> str: ...

    def sdk_environment(self) -> dict[str, str]: ...

    def git_remote(self, clone_url: str) -> tuple[str, list[str]]: ...


class LocalAccounts:
    """Accounts of a running embedded AWS, signed with each account's admin keys."""

    def __init__(self, state: LocalState) -> None:
        self.state = state
        self.region = state.region

    def client(self, service: str, account: str = "tooling") -> Any:
        keys = self._keys(account)
        return new_session().client(
            service,
            endpoint_url=self.state.endpoint_url,
            region_name=self.region,
            aws_access_key_id=keys["access_key_id"],
            aws_secret_access_key=keys["secret_access_key"],
            config=CLIENT_CONFIG,
        )

    def account_id(self, account: str) -> str:
        return self._keys(account)["account_id"]

    def sdk_environment(self) -> dict[str, str]:
        """Environment for libraries that build their own clients (the SageMaker SDK): the tooling account."""
        keys = self._keys("tooling")
        return {"AWS_ENDPOINT_URL": self.state.endpoint_url, "AWS_ACCESS_KEY_ID": keys["access_key_id"],
                "AWS_SECRET_ACCESS_KEY": keys["secret_access_key"], "AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region}

    def git_remote(self, clone_url: str) -> tuple[str, list[str]]:
        """The tooling admin's Git credentials for an embedded CodeCommit repository (its key id and secret)."""
        keys = self._keys("tooling")
        scheme, rest = clone_url.split("://", 1)
        return f"{scheme}://{quote(keys['access_key_id'], safe='')}:{quote(keys['secret_access_key'], safe='')}@{rest}", []

    def _keys(self, account: str) -> dict[str, str]:
        if account not in self.state.accounts:
            raise ConfigError(f"unknown account {account!r}: use one of {', '.join(ACCOUNT_NAMES)}")
        return self.state.accounts[account]


class AwsAccounts:
    """A real organization: tooling through the session, targets through a role assumed from tooling."""

    def __init__(self, session: boto3.session.Session, staging_account: str | None, prod_account: str | None, target_role: str) -> None:
        self.session = session
        self.region = session.region_name
        self.target_role = target_role
        self._targets = {"staging": staging_account, "prod": prod_account}
        self._sessions: dict[str, boto3.session.Session] = {"tooling": session}
        self._tooling_id: str | None = None

    @classmethod
    def from_profile(cls, profile: str | None, region: str, staging_account: str | None, prod_account: str | None, target_role: str) -> AwsAccounts:
        try:
            session = boto3.session.Session(profile_name=profile, region_name=region)
        except botocore.exceptions.ProfileNotFound as exc:
            raise ConfigError(f"AWS profile {profile!r} not found in your AWS config files") from exc
        return cls(session, staging_account, prod_account, target_role)

    def client(self, service: str, account: str = "tooling") -> Any:
        return self._session(account).client(service, config=CLIENT_CONFIG)

    def sdk_environment(self) -> dict[str, str]:
        """Environment for libraries that build their own clients: the tooling session's profile and region."""
        values = {"AWS_DEFAULT_REGION": self.region, "AWS_REGION": self.region}
        if self.session.profile_name and self.session.profile_name != "default":
            values["AWS_PROFILE"] = self.session.profile_name
        return values

    def git_remote(self, clone_url: str) -> tuple[str, list[str]]:
        """The clone URL as it is, with the AWS CLI's CodeCommit credential helper for this session's profile."""
        profile = f" --profile {self.session.profile_name}" if self.session.profile_name and self.session.profile_name != "default" else ""
        return clone_url, ["-c", "credential.helper=", "-c", f"credential.helper=!aws{profile} codecommit credential-helper $@",
                           "-c", "credential.UseHttpPath=true"]

    def account_id(self, account: str) -> str:
        if account == "tooling":
            if self._tooling_id is None:
                self._tooling_id = self._call(lambda: self.session.client("sts").get_caller_identity()["Account"])
            return self._tooling_id
        if account not in self._targets:
            raise ConfigError(f"unknown account {account!r}: use one of {', '.join(ACCOUNT_NAMES)}")
        account_id = self._targets[account]
        if not account_id:
            raise ConfigError(f"the {account} account id is needed: pass --{account}-account or set MLOPS_{account.upper()}_ACCOUNT")
        return account_id

    def _session(self, account: str) -> boto3.session.Session:
        if account not in self._sessions:
            role_arn = f"arn:aws:iam::{self.account_id(account)}:role/{self.target_role}"
            creds = self._call(
                lambda: self.session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="mlops-platform")["Credentials"]
            )
            self._sessions[account] = boto3.session.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                region_name=self.region,
            )
        return self._sessions[account]

    @staticmethod
    def _call(action: Any) -> Any:
        try:
            return action()
        except botocore.exceptions.NoCredentialsError as exc:
            raise ConfigError("no AWS credentials found: pass --profile or configure credentials") from exc
        except botocore.exceptions.ClientError as exc:
            error = exc.response["Error"]
            raise ConfigError(f"{error.get('Code')}: {error.get('Message')}") from exc
