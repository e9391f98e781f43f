"""Lifecycle of the embedded AWS: moto's threaded server, its configuration, extensions and accounts."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from typing import Any

import requests
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from embedded_aws import extensions
from embedded_aws.accounts import (
    ACCESS_ROLE_NAME,
    ADMIN_USER_NAME,
    AccountCredentials,
    AccountSet,
    access_role_trust_policy,
)
from embedded_aws.clients import DEFAULT_REGION, account_client, credentials_client
from embedded_aws.errors import EmbeddedAwsError, PortInUseError

#: moto settings the platform needs: execute state machines, run Lambda without Docker.
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}

ADMIN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})

_running_lock = threading.Lock()
_running: EmbeddedAws | None = None


def ensure_port_free(host: str, port: int) -> None:
    """Raise :class:`PortInUseError` when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUseError(host, port) from exc


class EmbeddedAws:
    """One moto server on loopback with the platform's extensions and three accounts.

    moto keeps its backends per process, so only one instance may run in a process at a time.
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        accounts: AccountSet | None = None,
        region: str = DEFAULT_REGION,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.accounts = accounts or AccountSet()
        self.region = region
        self.credentials: dict[str, AccountCredentials] = {}
        self._server: ThreadedMotoServer | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> EmbeddedAws:
        """Start the server, configure moto, apply extensions and create the accounts."""
        global _running
        with _running_lock:
            if _running is not None:
                raise EmbeddedAwsError(f"an embedded AWS already runs in this process at {_running.endpoint_url}")
            if self.requested_port:
                ensure_port_free(self.host, self.requested_port)
            extensions.apply_all()
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            server = ThreadedMotoServer(ip_address=self.host, port=self.requested_port, verbose=False)
            server.start()
            self._server = server
            self._port = server.get_host_and_port()[1]
            _running = self
        # Task states of executing state machines call back into the server on MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self._port)
        try:
            self.configure()
            self.bootstrap_accounts()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server; every resource it held is gone."""
        global _running
        with _running_lock:
            if self._server is not None:
                extensions.shutdown_all()
                self._server.stop()
                self._server = None
            if _running is self:
                _running = None

    def __enter__(self) -> EmbeddedAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise EmbeddedAwsError("the embedded AWS is not started")
        return self._port

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- setup -------------------------------------------------------------------------------
    def configure(self) -> None:
        """Switch on state machine execution and Docker-free Lambda through ``/moto-api/config``."""
        response = requests.post(f"{self.endpoint_url}/moto-api/config", json=MOTO_CONFIG, timeout=10)
        response.raise_for_status()

    def bootstrap_accounts(self) -> None:
        """Create an admin user with keys in each account and the cross-account access role in targets."""
        for name, account_id in self.accounts.by_name().items():
            iam = account_client(self.endpoint_url, "iam", account_id, self.region)
            iam.create_user(UserName=ADMIN_USER_NAME)
            # The admin's keys act as an administrator does on AWS: through a policy, which the embedded IAM evaluates.
            iam.put_user_policy(UserName=ADMIN_USER_NAME, PolicyName="AdministratorAccess", PolicyDocument=ADMIN_POLICY)
            key = iam.create_access_key(UserName=ADMIN_USER_NAME)["AccessKey"]
            self.credentials[name] = AccountCredentials(account_id, key["AccessKeyId"], key["SecretAccessKey"])
        for account_id in self.accounts.targets().values():
            iam = account_client(self.endpoint_url, "iam", account_id, self.region)
            iam.create_role(
                RoleName=ACCESS_ROLE_NAME,
                AssumeRolePolicyDocument=access_role_trust_policy(self.accounts.tooling),
                Description="Lets the tooling account deploy into this account",
            )
            # Same grant as the role AWS Organizations creates (AdministratorAccess); moto ships no managed policies.
            iam.put_role_policy(RoleName=ACCESS_ROLE_NAME, PolicyName="AdministratorAccess", PolicyDocument=ADMIN_POLICY)

    def reset(self) -> None:
        """Forget every resource and recreate the accounts (fast: no restart).

        Work the extensions still have in flight is drained or cancelled first, so nothing from
        before the reset lands after it.
        """
        extensions.reset_all()
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()
        self.credentials.clear()
        self.configure()
        self.bootstrap_accounts()

    # -- access ----------------------------------------------------------------------------
    def client(self, service: str, account: str = "tooling", region: str | None = None, config: Config | None = None) -> Any:
        """A boto3 client signed with the admin keys of ``account`` (tooling, staging or prod)."""
        creds = self.credentials[account]
        return credentials_client(
            self.endpoint_url, service, creds.access_key_id, creds.secret_access_key, region=region or self.region, config=config
        )

    def describe(self) -> dict[str, Any]:
        """What a user needs to reach the server: endpoint, region, account ids and keys."""
        return {
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            "accounts": {
                name: {
                    "account_id": creds.account_id,
                    "access_key_id": creds.access_key_id,
                    "secret_access_key": creds.secret_access_key,
                }
                for name, creds in self.credentials.items()
            },
        }
