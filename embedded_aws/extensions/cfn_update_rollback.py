"""A failed stack update rolls back, as CloudFormation does, instead of failing the UpdateStack call.

moto 5.2.5 runs an update inside the UpdateStack request: when a resource fails, the request fails
and the stack is left ``UPDATE_IN_PROGRESS``. CloudFormation answers UpdateStack at once and, when a
resource fails, records ``UPDATE_FAILED`` with the resource's reason, puts the previous template and
parameters back and ends ``UPDATE_ROLLBACK_COMPLETE``. That is what happens here (the update still
runs before the call returns; the stack's events and status tell the outcome).
"""

from __future__ import annotations

import logging
from typing import Any

from moto.cloudformation.models import Stack

from embedded_aws.extensions.base import Extension, Patcher

logger = logging.getLogger(__name__)


class CfnUpdateRollback(Extension):
    name = "cfn-update-rollback"
    summary = "A failed stack update records UPDATE_FAILED with the reason, restores the previous template and ends UPDATE_ROLLBACK_COMPLETE"

    def install(self, patcher: Patcher) -> None:
        original = Stack.update

        def update(self: Stack, template: str, role_arn: str | None = None, parameters: dict[str, Any] | None = None,
                   tags: dict[str, str] | None = None) -> None:
            previous_template, previous_parameters = self.template, dict(self.parameters or {})
            try:
                original(self, template, role_arn, parameters, tags)
            except Exception as exc:  # noqa: BLE001 - any resource failure: CloudFormation's answer is a rollback
                reason = getattr(exc, "message", None) or str(exc)
                self._add_stack_event("UPDATE_FAILED", resource_status_reason=reason)
                self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=f"The following resource(s) failed to update: {reason}")
                self.template = previous_template
                self._parse_template()
                try:
                    self.resource_map.update(self.template_dict, previous_parameters)
                except Exception:
                    logger.exception("rollback of stack %s failed", self.name)
                    self._add_stack_event("UPDATE_ROLLBACK_FAILED")
                    self.status = "UPDATE_ROLLBACK_FAILED"
                    return
                self.output_map = self._create_output_map()
                self.parameters = previous_parameters
                self._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
                self.status = "UPDATE_ROLLBACK_COMPLETE"

        patcher.replace(Stack, "update", update)
