"""Task states call AWS with the state machine's role (or the task's ``Credentials.RoleArn``), as Step Functions does.

moto 5.2.5 signs every service call of an executing state machine with the fixed key ``ak``, which acts as the
account's root: a state machine whose role lacks a permission still succeeds. Here each call is signed with a session
of the execution role, so :mod:`embedded_aws.extensions.iam_authorization` evaluates the role's policies; a task
naming another role (``Credentials.RoleArn``) acts as that role (whether it trusts the execution role is not checked).
A role that does not exist or does not trust ``states.amazonaws.com`` fails the task with AccessDenied.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.iam.principals import assume_role, trusts_service

#: Modules of moto's interpreter that create the clients task states call AWS with.
CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
)
SESSION_SECONDS = 3600


class RoleSessions:
    """One live session per role (renewed before it expires), so repeated tasks do not pile up sessions."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def credentials(self, role_arn: str, region: str) -> Any:
        with self._lock:
            found = self._sessions.get(role_arn)
            if found and found[0] > time.monotonic():
                return found[1]
        session = assume_role(role_arn, "states-task", region, SESSION_SECONDS)
        with self._lock:
            self._sessions[role_arn] = (time.monotonic() + SESSION_SECONDS - 300, session)
        return session

    def forget(self) -> None:
        with self._lock:
            self._sessions.clear()


SESSIONS = RoleSessions()


def role_not_assumable(role_arn: str) -> ClientError:
    """The error failing a task whose role is missing or does not trust Step Functions (an unmodelled error)."""
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": (
        "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to "
        f"assume the provided role {role_arn}")}, "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": "embedded-sts"}},
        "AssumeRole")


def role_client(region: str, service: str, role_arn: str) -> BaseClient:
    """A client signed with a session of ``role_arn``; fails unless Step Functions may assume the role."""
    if not trusts_service(role_arn, "states.amazonaws.com"):
        raise role_not_assumable(role_arn)
    session = SESSIONS.credentials(role_arn, region)
    return boto3.client(
        service_name=service, region_name=region, endpoint_url=f"http://localhost:{moto_server_port()}",
        aws_access_key_id=session.access_key_id, aws_secret_access_key=session.secret_access_key,
        aws_session_token=session.session_token,
        config=Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1},
                      connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                      read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS),
    )


class TaskCredentials(Extension):
    name = "sfn-task-credentials"
    summary = "task states call AWS as the state machine's role (or Credentials.RoleArn), not as the account root"

    def install(self, patcher: Patcher) -> None:
        import importlib

        for name in CLIENT_MODULES:
            module = importlib.import_module(name)
            original = module.boto_client_for

            def boto_client_for(region: str, service: str, state_credentials: Any = None, _original: Any = original) -> Any:
                role_arn = getattr(state_credentials, "role_arn", None)
                if not role_arn:
                    return _original(region=region, service=service, state_credentials=state_credentials)
                return role_client(region, service, role_arn)

            patcher.replace(module, "boto_client_for", boto_client_for)

    def reset(self) -> None:
        SESSIONS.forget()
