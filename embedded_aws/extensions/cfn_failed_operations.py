"""Failed stack operations end as CloudFormation ends them, instead of failing the API call.

A resource that fails to create rolls the stack back; one that fails to delete leaves the stack ``DELETE_FAILED``.

moto 5.2.5 creates a stack's resources inside the CreateStack request: when one fails, the request fails and the stack
is left ``CREATE_IN_PROGRESS`` holding what was created before it (a retry then meets ``AlreadyExistsException``).
CloudFormation answers CreateStack with the stack id and, when a resource fails, records ``CREATE_FAILED`` with the
resource's reason, deletes what it had created and ends ``ROLLBACK_COMPLETE`` (``OnFailure=DO_NOTHING`` or
``DisableRollback``: ``CREATE_FAILED`` with the resources kept; ``OnFailure=DELETE``: the stack is deleted). That is
what happens here; the creation still runs before the call returns, and the stack's status and events tell the outcome.
Template and parameter errors are still refused by the call itself, as CloudFormation refuses them.

DeleteStack: moto drops the stack from its list before deleting the resources, so a resource that cannot be deleted
loses the stack (and the call fails). CloudFormation records ``DELETE_FAILED`` for the resource and the stack, keeps
the stack with what is left, and a later DeleteStack tries again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import moto.cloudformation.parsing as cfn_parsing
from moto.cloudformation.models import CloudFormationBackend, Event, Stack, cloudformation_backends
from moto.cloudformation.parsing import OutputMap, ResourceMap
from moto.cloudformation.responses import CloudFormationResponse

from embedded_aws.extensions.base import Extension, Patcher

logger = logging.getLogger(__name__)
_REQUEST = threading.local()


class ResourceFailure(Exception):
    """A resource's creation failed: CloudFormation's reason and the resource it belongs to."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id, self.resource_type, self.reason = logical_id, resource_type, reason


def failure_reason(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)


def resource_event(stack: Stack, logical_id: str, resource_type: str, status: str, reason: str | None = None) -> None:
    """Record a resource's event on the stack (moto records stack-level events only)."""
    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                              physical_resource_id="", resource_type=resource_type, resource_status=status,
                              resource_status_reason=reason, resource_properties=None))


class CfnFailedOperations(Extension):
    name = "cfn-failed-operations"
    summary = ("a resource that fails to create records CREATE_FAILED with its reason, the stack deletes what it created "
               "and ends ROLLBACK_COMPLETE (OnFailure/DisableRollback honoured); one that fails to delete leaves the stack "
               "DELETE_FAILED with its remaining resources; the API calls answer instead of failing")
    requires = ("cfn-delete-order",)

    def install(self, patcher: Patcher) -> None:
        create_resource = cfn_parsing.parse_and_create_resource

        def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            try:
                return create_resource(logical_id, resource_json, *args, **kwargs)
            except ResourceFailure:
                raise
            except Exception as exc:
                reason = failure_reason(exc).removeprefix(f"{logical_id}: ")  # the event names the resource itself
                raise ResourceFailure(logical_id, str(resource_json.get("Type", "")), reason) from exc

        patcher.replace(cfn_parsing, "parse_and_create_resource", parse_and_create_resource)
        delete_resource = ResourceMap._delete_resource

        def _delete_resource(self: ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
            try:
                delete_resource(self, parsed_resource, resource_json)
            except ResourceFailure:
                raise
            except Exception as exc:
                raise ResourceFailure(str(getattr(parsed_resource, "logical_resource_id", "")), str(resource_json.get("Type", "")),
                                      failure_reason(exc)) from exc

        patcher.replace(ResourceMap, "_delete_resource", _delete_resource)
        create_resources = Stack.create_resources

        def create_with_rollback(self: Stack) -> None:
            try:
                create_resources(self)
            except ResourceFailure as failure:
                _roll_back(self, failure, getattr(_REQUEST, "on_failure", "ROLLBACK"))

        patcher.replace(Stack, "create_resources", create_with_rollback)
        create_stack_response = CloudFormationResponse.create_stack

        def create_stack(self: CloudFormationResponse) -> Any:
            on_failure = self._get_param("OnFailure") or ("DO_NOTHING" if self._get_bool_param("DisableRollback", False) else "ROLLBACK")
            _REQUEST.on_failure = on_failure
            try:
                return create_stack_response(self)
            finally:
                _REQUEST.on_failure = "ROLLBACK"

        patcher.replace(CloudFormationResponse, "create_stack", create_stack)
        delete_stack = CloudFormationBackend.delete_stack

        def delete_keeping_failures(self: CloudFormationBackend, name_or_stack_id: str) -> None:
            stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)), None)
            try:
                delete_stack(self, name_or_stack_id)
            except Exception as exc:
                if stack is None:
                    raise
                self.stacks[stack.stack_id] = stack
                self.deleted_stacks.pop(stack.stack_id, None)
                logical_id = exc.logical_id if isinstance(exc, ResourceFailure) else ""
                if isinstance(exc, ResourceFailure):
                    resource_event(stack, exc.logical_id, exc.resource_type, "DELETE_FAILED", exc.reason)
                stack._add_stack_event("DELETE_FAILED", resource_status_reason=(
                    f"The following resource(s) failed to delete: [{logical_id}]. " if logical_id else failure_reason(exc)))
                stack.status = "DELETE_FAILED"

        patcher.replace(CloudFormationBackend, "delete_stack", delete_keeping_failures)


def _roll_back(stack: Stack, failure: ResourceFailure, on_failure: str) -> None:
    """What CloudFormation does after ``failure``: keep, roll back, or roll back and delete."""
    resource_event(stack, failure.logical_id, failure.resource_type, "CREATE_FAILED", failure.reason)
    backend = cloudformation_backends[stack.account_id][stack.region_name]
    for export in stack.exports:
        backend.exports.pop(export.name, None)
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)
    if on_failure == "DO_NOTHING":
        stack._add_stack_event("CREATE_FAILED", resource_status_reason=f"The following resource(s) failed to create: [{failure.logical_id}]. ")
        stack.status = "CREATE_FAILED"
        return
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to create: [{failure.logical_id}]. Rollback requested by user."))
    try:
        stack.resource_map.delete()
    except Exception as exc:  # noqa: BLE001 - a resource that cannot be deleted leaves the rollback failed, as on AWS
        logger.warning("rollback of stack %s failed: %s", stack.name, exc)
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=failure_reason(exc))
        stack.status = "ROLLBACK_FAILED"
        return
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status = "ROLLBACK_COMPLETE"
    if on_failure == "DELETE":
        stack._add_stack_event("DELETE_COMPLETE")
        stack.status = "DELETE_COMPLETE"
        backend.deleted_stacks[stack.stack_id] = backend.stacks.pop(stack.stack_id)
