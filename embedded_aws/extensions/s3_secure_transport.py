"""Bucket policies honour conditions: a TLS-only policy does not lock everyone out.

moto 5.2.5 evaluates only ``StringEquals`` and treats any other condition as met, and a statement
whose condition is not met is reported as a Deny. So the standard "Deny when
``aws:SecureTransport`` is false" statement (CDK's ``enforce_ssl``) makes every object call fail
with 403. Requests to the embedded AWS stand for HTTPS requests to AWS, so they carry
``aws:SecureTransport = true``; ``Bool`` conditions are evaluated and unmet statements do not apply.
"""

from __future__ import annotations

from typing import Any

import moto.iam.policy_conditions as policy_conditions
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket

from embedded_aws.extensions.base import Extension, Patcher

#: Context keys every request to the embedded AWS has.
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def bool_operation(expected_value: list[str] | str, actual_value: str) -> bool:
    """IAM ``Bool``: case-insensitive match of ``true``/``false``."""
    expected_values = expected_value if isinstance(expected_value, list) else [expected_value]
    return str(actual_value).lower() in [str(value).lower() for value in expected_values]


class S3SecureTransport(Extension):
    name = "s3-secure-transport"
    summary = "TLS-only bucket policies apply only to non-TLS requests instead of denying every request"

    def install(self, patcher: Patcher) -> None:
        operations = dict(policy_conditions.CONDITION_OPERATIONS)
        operations["Bool"] = bool_operation
        patcher.replace(policy_conditions, "CONDITION_OPERATIONS", operations)

        is_action_permitted = IAMPolicyStatement.is_action_permitted

        def statement_permission(self: Any, action: str, resource: str = "*", principal: str | None = None,
                                 incoming_condition_values: dict[str, str] | None = None) -> Any:
            if self._statement.get("Condition") and not self._check_conditions(incoming_condition_values):
                return PermissionResult.NEUTRAL  # the statement does not apply to this request
            return is_action_permitted(self, action, resource, principal, incoming_condition_values)

        patcher.replace(IAMPolicyStatement, "is_action_permitted", statement_permission)

        def get_permission(self: Any, action: str, resource: str) -> Any:
            if self.policy is None:
                return PermissionResult.NEUTRAL
            return IAMPolicy(self.policy.decode()).is_action_permitted(action, resource, incoming_condition_values=dict(REQUEST_CONTEXT))

        patcher.replace(FakeBucket, "get_permission", get_permission)
