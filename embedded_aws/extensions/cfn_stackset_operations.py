"""StackSet operations deploy and update real stacks in the target accounts, and can fail.

moto 5.2.5 creates a stack named ``StackSet:<name>`` (a name CloudFormation refuses) when instances are
created, but UpdateStackSet and UpdateStackInstances only rewrite the stored parameters: the stacks in
the target accounts never change, and every operation is ``SUCCEEDED`` at once. Here, as in
CloudFormation:

* an operation returns its id at once and runs in the background (``RUNNING``); a second operation on
  the same stack set meanwhile is refused with ``OperationInProgressException``;
* with the ``SELF_MANAGED`` model each target account is checked first: the administration role must
  exist, trust ``cloudformation.amazonaws.com`` and be allowed ``sts:AssumeRole`` on the execution role,
  which must exist in the target account and trust the administration role;
* each instance is a stack ``StackSet-<name>-<uuid>`` created, updated (template and parameters:
  the stack set's, then the instance's overrides) or deleted in its account and region;
* a failed stack (a failed create, or an update rolled back) marks its instance ``OUTDATED`` with the
  stack's reason; more failures than ``FailureToleranceCount`` / ``FailureTolerancePercentage`` allow
  fail the operation, whose ``StatusReason`` names each failed account, region and reason;
* ListStackSetOperationResults reports each instance's own status and reason;
* ListStackSets honours ``Status`` (a deleted stack set is ``DELETED``, not ``ACTIVE``);
* with the ``SERVICE_MANAGED`` model (the management account of an organization, after
  ActivateOrganizationsAccess) instances target organizational units: every member account in the
  units and their children, never the management account; an instance reports its unit.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import logging
import math
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from moto.cloudformation.exceptions import CloudFormationError, StackInstanceNotFound, ValidationError
from moto.cloudformation.models import CloudFormationBackend, StackSet, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.organizations.models import organizations_backends

from embedded_aws.extensions.base import Extension, Patcher, Workers
from embedded_aws.extensions.cfn_stack_principal import acting_as, role_session
from embedded_aws.extensions.sts_trust import as_list, trust_allows

logger = logging.getLogger(__name__)
WORKERS = Workers("stackset")
IN_FLIGHT = {"RUNNING", "QUEUED", "STOPPING"}
FAILED_STACK_STATUSES = {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE",
                         "UPDATE_ROLLBACK_FAILED", "UPDATE_FAILED"}


class OperationInProgress(CloudFormationError):
    def __init__(self, name: str) -> None:
        super().__init__("OperationInProgressException", f"Another Operation on StackSet {name} is in progress")


def _role(account: str, name: str) -> Any:
    return next((r for r in iam_backends[account]["aws"].roles.values() if r.name == name), None)


def _policy_allows(role: Any, action: str, resource: str) -> bool:
    """Whether an Allow statement of the role's inline or attached policies covers ``action`` on ``resource``."""
    documents = [json.loads(unquote(d)) if isinstance(d, str) else d for d in role.policies.values()]
    documents += [json.loads(p.document) if isinstance(p.document, str) else p.document for p in role.managed_policies.values()]
    for document in documents:
        for statement in as_list(document.get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement.get("Action", []))):
                continue
            if any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement.get("Resource", []))):
                return True
    return False


def permission_problem(stack_set: StackSet, account: str) -> str | None:
    """Why CloudFormation could not reach ``account`` for a SELF_MANAGED stack set (``None`` when it can)."""
    if stack_set.permission_model != "SELF_MANAGED":
        return None
    admin_arn: str = stack_set.administration_role_arn
    admin_account, admin_name = admin_arn.split(":")[4], admin_arn.rsplit("/", 1)[-1]
    execution_arn = f"arn:aws:iam::{account}:role/{stack_set.execution_role_name}"
    missing = (f"Account {account} should have '{stack_set.execution_role_name}' role with trust relationship "
               f"to Role '{admin_name}'.")
    admin = _role(admin_account, admin_name)
    if admin is None:
        return f"Administration role {admin_arn} does not exist."
    if not _trusts_service(admin.assume_role_policy_document, "cloudformation.amazonaws.com"):
        return f"Administration role {admin_arn} does not trust cloudformation.amazonaws.com."
    if not _policy_allows(admin, "sts:AssumeRole", execution_arn):
        return f"Administration role {admin_arn} is not allowed sts:AssumeRole on {execution_arn}."
    execution = _role(account, stack_set.execution_role_name)
    if execution is None or not trust_allows(execution.assume_role_policy_document, admin_arn, admin_account):
        return missing
    return None


def _trusts_service(document: Any, service: str) -> bool:
    policy = json.loads(document) if isinstance(document, str) else document
    return any(s.get("Effect") == "Allow" and service in as_list((s.get("Principal") or {}).get("Service", []))
               for s in as_list(policy.get("Statement", [])))


class Instance:
    """One stack instance: its stack in the target account and the outcome of the last operation on it."""

    def __init__(self, stack_set: StackSet, account: str, region: str, overrides: list[dict[str, Any]], unit: str = "") -> None:
        self.stack_set, self.account_id, self.region_name, self.unit = stack_set, account, region, unit
        self.parameters = overrides
        self.stack_name = f"StackSet-{stack_set.name}-{uuid.uuid4()}"
        self.stack: Any = None
        self.status, self.detailed_status, self.status_reason = "OUTDATED", "PENDING", ""
        self.last_operation_id = ""

    @property
    def backend(self) -> CloudFormationBackend:
        return cloudformation_backends[self.account_id][self.region_name]

    def effective_parameters(self) -> dict[str, str]:
        values = dict(self.stack_set.parameters or {})
        values.update({p["ParameterKey"]: p["ParameterValue"] for p in self.parameters if "ParameterValue" in p})
        return values

    @property
    def execution_role_arn(self) -> str | None:
        """The role CloudFormation acts as in the target account: the named execution role of a self-managed stack set
        (a service-managed one deploys with the role Organizations gives the member, which holds every right)."""
        if self.stack_set.permission_model != "SELF_MANAGED":
            return None
        return f"arn:aws:iam::{self.account_id}:role/{self.stack_set.execution_role_name}"

    def deploy(self) -> str | None:
        """Create or update the stack with the stack set's template; the failure reason, or ``None``."""
        problem = permission_problem(self.stack_set, self.account_id)
        if problem:
            return problem
        template, parameters = self.stack_set.template, self.effective_parameters()
        role = self.execution_role_arn  # it resolves SSM-typed parameters too (cfn-parameter-constraints)
        with acting_as(role_session(role) if role else None):
            return self._deploy(template, parameters)

    def _deploy(self, template: str, parameters: dict[str, str]) -> str | None:
        tags = dict(self.stack_set.tags or {})
        try:
            if self.stack is not None and self.stack.status in {"ROLLBACK_COMPLETE", "CREATE_FAILED", "ROLLBACK_FAILED"}:
                self.backend.delete_stack(self.stack.stack_id)
                self.stack = None
            if self.stack is None:
                self.stack = self.backend.create_stack(name=self.stack_name, template=template, parameters=parameters, tags=tags)
            elif self.stack.template != template or dict(self.stack.parameters or {}) != parameters:
                self.backend.update_stack(self.stack.stack_id, template, None,
                                          [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()], tags)
        except Exception as exc:  # noqa: BLE001 - the stack's own failure: CloudFormation reports it on the instance
            reason = getattr(exc, "message", None) or str(exc)
            if self.stack is None:
                self.stack = next((s for s in self.backend.stacks.values() if s.name == self.stack_name), None)
            if self.stack is not None and self.stack.status.endswith("IN_PROGRESS"):
                self.stack._add_stack_event("CREATE_FAILED", resource_status_reason=reason)
                self.stack.status = "ROLLBACK_COMPLETE"
            return f"ResourceLogicalId:{self.stack_name}, ResourceStatusReason:{reason}"
        if self.stack.status in FAILED_STACK_STATUSES:
            return stack_failure_reason(self.stack)
        return None

    def remove(self, retain: bool) -> str | None:
        problem = permission_problem(self.stack_set, self.account_id)
        if problem:
            return problem
        if self.stack is not None and not retain:
            role = self.execution_role_arn
            try:
                with acting_as(role_session(role) if role else None):
                    self.backend.delete_stack(self.stack.stack_id)
            except Exception as exc:  # noqa: BLE001 - a stack that cannot be deleted is reported on its instance
                return getattr(exc, "message", None) or str(exc)
            if self.stack.status == "DELETE_FAILED":
                return stack_failure_reason(self.stack)
        return None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "StackSetId": self.stack_set.id, "Region": self.region_name, "Account": self.account_id,
            "Status": self.status, "StackInstanceStatus": {"DetailedStatus": self.detailed_status},
            "ParameterOverrides": self.parameters, "LastOperationId": self.last_operation_id,
        }
        if self.stack is not None:
            result["StackId"] = self.stack.stack_id
        if self.unit:
            result["OrganizationalUnitId"] = self.unit
        if self.status_reason:
            result["StatusReason"] = self.status_reason
        return result


def stack_failure_reason(stack: Any) -> str:
    """The reason CloudFormation gave for the stack's failure (its latest failed event)."""
    for event in reversed(stack.events):
        if event.resource_status in {"UPDATE_FAILED", "CREATE_FAILED", "DELETE_FAILED"} and event.resource_status_reason:
            if event.logical_resource_id != stack.name:  # a resource's own failure
                return (f"ResourceLogicalId:{event.logical_resource_id}, ResourceType:{event.resource_type}, "
                        f"ResourceStatusReason:{event.resource_status_reason}")
            return f"ResourceStatus:{stack.status}, ResourceStatusReason:{event.resource_status_reason}"
    return f"ResourceStatus:{stack.status}"


def tolerated_failures(preferences: dict[str, Any] | None, targets: int) -> int:
    preferences = preferences or {}
    if "FailureToleranceCount" in preferences:
        return int(preferences["FailureToleranceCount"])
    if "FailureTolerancePercentage" in preferences:
        return math.floor(targets * int(preferences["FailureTolerancePercentage"]) / 100)
    return 0


#: Held from finding a stack set idle to recording its new operation, so two callers cannot both start one.
STARTING = threading.RLock()


def busy(stack_set: StackSet) -> bool:
    """An operation of the stack set is still in flight (CloudFormation runs one at a time)."""
    return any(op["Status"] in IN_FLIGHT for op in stack_set.operations)


@contextlib.contextmanager
def idle(stack_set: StackSet) -> Iterator[None]:
    """Hold the stack set while a request changes it and records its operation; :class:`OperationInProgress`, before
    anything changes, when an operation is in flight."""
    with STARTING:
        if busy(stack_set):
            raise OperationInProgress(stack_set.name)
        yield


def start_operation(stack_set: StackSet, action: str, targets: list[Instance],
                    work: Callable[[Instance], str | None], preferences: dict[str, Any] | None,
                    operation_id: str | None = None, after: Callable[[], None] | None = None) -> str:
    """Record an operation ``RUNNING`` and run ``work`` on each target in the background."""
    operation_id = operation_id or str(uuid.uuid4())
    operation: dict[str, Any] = {
        "OperationId": operation_id, "Action": action, "Status": "RUNNING", "CreationTimestamp": utcnow(),
        "Instances": [{t.account_id: t.region_name} for t in targets], "Results": [],
    }
    with idle(stack_set):
        stack_set.operations.append(operation)
    for target in targets:
        target.detailed_status, target.last_operation_id = "PENDING", operation_id
    allowed = tolerated_failures(preferences, len(targets))

    def run() -> None:
        failures: list[str] = []
        for target in targets:
            if WORKERS.stopping.is_set() or operation["Status"] == "STOPPING":
                target.detailed_status = "CANCELLED"
                operation["Results"].append(_result(target, "CANCELLED", "Cancelled since the operation was stopped"))
                continue
            if len(failures) > allowed:
                target.detailed_status = "CANCELLED"
                operation["Results"].append(_result(target, "CANCELLED", "Cancelled since failure tolerance has exceeded"))
                continue
            target.detailed_status = "RUNNING"
            try:
                reason = work(target)
            except Exception as exc:  # an emulation bug must fail the instance, not hang the operation
                logger.exception("stack set %s: %s in %s failed", stack_set.name, action, target.account_id)
                reason = f"embedded AWS error: {exc!r}"
            if reason:
                failures.append(f"{target.account_id}/{target.region_name}: {reason}")
                target.status, target.detailed_status, target.status_reason = "OUTDATED", "FAILED", reason
                operation["Results"].append(_result(target, "FAILED", reason))
            else:
                target.status, target.detailed_status, target.status_reason = "CURRENT", "SUCCEEDED", ""
                operation["Results"].append(_result(target, "SUCCEEDED", ""))
        if after is not None and not failures:
            after()
        operation["EndTimestamp"] = utcnow()
        if operation["Status"] == "STOPPING":
            operation["Status"] = "STOPPED"
        elif len(failures) > allowed:
            operation["Status"] = "FAILED"
            operation["StatusReason"] = f"{len(failures)} of {len(targets)} stack instance(s) failed: " + "; ".join(failures)
        else:
            operation["Status"] = "SUCCEEDED"

    WORKERS.start(operation_id, run)
    return operation_id


def _result(target: Instance, status: str, reason: str) -> dict[str, Any]:
    result: dict[str, Any] = {"Account": target.account_id, "Region": target.region_name, "Status": status,
                              "AccountGateResult": {"Status": "SKIPPED", "StatusReason": "No account gate configured"}}
    if reason:
        result["StatusReason"] = reason
    return result


def _targets(stack_set: StackSet, accounts: list[str], regions: list[str]) -> list[tuple[str, str]]:
    if not accounts or not regions:
        raise ValidationError(message="Accounts and Regions are required")
    return [(account, region) for region in regions for account in accounts]


STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"


def organizations_access(org: Any) -> bool:
    """Whether the organization trusts StackSets (ActivateOrganizationsAccess was called in its management account)."""
    return any(s["ServicePrincipal"] == STACKSETS_PRINCIPAL for s in org.services)


def unit_accounts(management_account: str, unit_ids: list[str]) -> list[tuple[str, str]]:
    """``(account, unit)`` for every member account in the units and their children (not the management account)."""
    org = organizations_backends[management_account]["aws"]
    if org.org is None:
        raise ValidationError(message="You must be the management account or delegated admin account of an organization before "
                                      "operating a SERVICE_MANAGED stack set")
    if not organizations_access(org):
        raise ValidationError(message="You must enable organizations access to operate a service managed stack set")
    if not unit_ids:
        raise ValidationError(message="StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target")
    found: list[tuple[str, str]] = []
    for unit in unit_ids:
        try:
            org.get_organizational_unit_by_id(unit)
        except Exception as exc:
            raise ValidationError(message=f"OrganizationalUnit {unit} does not exist") from exc
        units, frontier = {unit}, [unit]
        while frontier:
            children = [ou.id for ou in org.ou if getattr(ou, "parent_id", None) in frontier]
            units.update(children)
            frontier = children
        found += [(a.id, unit) for a in org.accounts if a.parent_id in units and a.id != org.org.master_account_id]
    return found


def _targets_of(self: Any, stack_set: StackSet) -> tuple[list[str], dict[str, str]]:
    """The request's target accounts, and for a service-managed stack set the unit each came from."""
    targets = self._get_params().get("DeploymentTargets") or {}
    if stack_set.permission_model == "SERVICE_MANAGED":
        pairs = unit_accounts(stack_set.instances.account_id, list(targets.get("OrganizationalUnitIds") or []))
        return [account for account, _ in pairs], dict(pairs)
    if targets.get("OrganizationalUnitIds"):
        raise ValidationError(message="StackSets with SELF_MANAGED permission model can only have accounts as target")
    return self._get_param("Accounts", []) or targets.get("Accounts", []), {}


def _instances(stack_set: StackSet) -> list[Instance]:
    return stack_set.instances.stack_instances  # type: ignore[return-value]  # the extension keeps its own Instance there


def _find(stack_set: StackSet, account: str, region: str) -> Instance | None:
    return next((i for i in _instances(stack_set) if i.account_id == account and i.region_name == region), None)


def create_instances(stack_set: StackSet, accounts: list[str], regions: list[str], overrides: list[dict[str, Any]],
                     preferences: dict[str, Any] | None, operation_id: str | None = None, units: dict[str, str] | None = None) -> str:
    targets = []
    with idle(stack_set):  # a refused request adds no instance
        for account, region in _targets(stack_set, accounts, regions):
            instance = _find(stack_set, account, region)
            if instance is None:
                instance = Instance(stack_set, account, region, overrides, (units or {}).get(account, ""))
                _instances(stack_set).append(instance)
            elif overrides:
                instance.parameters = overrides
            targets.append(instance)
        return start_operation(stack_set, "CREATE", targets, Instance.deploy, preferences, operation_id)


def update_instances(stack_set: StackSet, accounts: list[str], regions: list[str], overrides: list[dict[str, Any]] | None,
                     preferences: dict[str, Any] | None, operation_id: str | None = None) -> str:
    targets = []
    for account, region in _targets(stack_set, accounts, regions):
        instance = _find(stack_set, account, region)
        if instance is None:
            raise StackInstanceNotFound()
        targets.append(instance)
    with idle(stack_set):
        for instance in targets:
            if overrides is not None:
                instance.parameters = overrides
        return start_operation(stack_set, "UPDATE", targets, Instance.deploy, preferences, operation_id)


def update_stack_set(stack_set: StackSet, changes: dict[str, Any], accounts: list[str], regions: list[str],
                     preferences: dict[str, Any] | None, operation_id: str | None = None) -> str:
    """Apply the new template/parameters to the stack set, then deploy them to the chosen (or all) instances."""
    with idle(stack_set):
        if accounts and regions:
            targets = [i for i in _instances(stack_set) if i.account_id in accounts and i.region_name in regions]
        else:
            targets = list(_instances(stack_set))
        apply_changes(stack_set, changes)
        return start_operation(stack_set, "UPDATE", targets, Instance.deploy, preferences, operation_id)


def apply_changes(stack_set: StackSet, changes: dict[str, Any]) -> None:
    """Store a new template, parameters, roles...; every instance is ``OUTDATED`` until an operation deploys it."""
    for key, value in changes.items():
        if value:
            setattr(stack_set, key, value)
    for instance in _instances(stack_set):
        instance.status = "OUTDATED"


def delete_instances(stack_set: StackSet, accounts: list[str], regions: list[str], retain: bool,
                     preferences: dict[str, Any] | None, operation_id: str | None = None) -> str:
    targets = [i for i in (_find(stack_set, a, r) for a, r in _targets(stack_set, accounts, regions)) if i is not None]

    def remove(instance: Instance) -> str | None:
        reason = instance.remove(retain)
        if reason is None:
            _instances(stack_set).remove(instance)
        return reason

    return start_operation(stack_set, "DELETE", targets, remove, preferences, operation_id)


class _Api:
    """Response handlers for the StackSet operations (moto's parse the request; these run the operation)."""

    @staticmethod
    def create_stack_instances(self: Any) -> ActionResult:
        stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
        accounts, units = _targets_of(self, stack_set)
        operation_id = create_instances(stack_set, accounts, self._get_param("Regions", []), self._get_param("ParameterOverrides", []),
                                        self._get_params().get("OperationPreferences"), self._get_param("OperationId"), units)
        return ActionResult({"OperationId": operation_id})

    @staticmethod
    def update_stack_instances(self: Any) -> ActionResult:
        stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
        accounts, _ = _targets_of(self, stack_set)
        operation_id = update_instances(stack_set, accounts, self._get_param("Regions", []), self._get_param("ParameterOverrides"),
                                        self._get_params().get("OperationPreferences"), self._get_param("OperationId"))
        return ActionResult({"OperationId": operation_id})

    @staticmethod
    def update_stack_set(self: Any) -> ActionResult:
        backend = self.cloudformation_backend
        stack_set = backend.describe_stack_set(self._get_param("StackSetName"))
        template = self._get_param("TemplateBody")
        if self._get_param("TemplateURL"):
            template = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        if self._get_param("UsePreviousTemplate"):
            template = None
        incoming = self._get_param("Parameters", [])
        parameters = backend._resolve_update_parameters(instance=stack_set, incoming_params=incoming) if incoming else None
        tags = {t["Key"]: t["Value"] for t in self._get_param("Tags", [])} or None
        changes = {"template": template, "parameters": parameters, "tags": tags, "description": self._get_param("Description"),
                   "administration_role_arn": self._get_param("AdministrationRoleARN"),
                   "execution_role_name": self._get_param("ExecutionRoleName")}
        accounts = _targets_of(self, stack_set)[0] if self._get_params().get("DeploymentTargets") or self._get_param("Accounts") else []
        operation_id = update_stack_set(stack_set, changes, accounts, self._get_param("Regions", []),
                                        self._get_params().get("OperationPreferences"), self._get_param("OperationId"))
        return ActionResult({"OperationId": operation_id})

    @staticmethod
    def delete_stack_instances(self: Any) -> ActionResult:
        stack_set = self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName"))
        accounts, _ = _targets_of(self, stack_set)
        operation_id = delete_instances(stack_set, accounts, self._get_param("Regions", []), bool(self._get_param("RetainStacks")),
                                        self._get_params().get("OperationPreferences"), self._get_param("OperationId"))
        return ActionResult({"OperationId": operation_id})

    @staticmethod
    def describe_stack_set_operation(self: Any) -> ActionResult:
        stack_set, operation = self.cloudformation_backend.describe_stack_set_operation(
            self._get_param("StackSetName"), self._get_param("OperationId"))
        result = {key: operation[key] for key in ("OperationId", "Action", "Status", "CreationTimestamp", "EndTimestamp", "StatusReason")
                  if key in operation}
        result.update(StackSetId=stack_set.id, AdministrationRoleARN=stack_set.administration_role_arn,
                      ExecutionRoleName=stack_set.execution_role_name)
        return ActionResult({"StackSetOperation": result})

    @staticmethod
    def list_stack_set_operation_results(self: Any) -> ActionResult:
        operation = self.cloudformation_backend.list_stack_set_operation_results(
            self._get_param("StackSetName"), self._get_param("OperationId"))
        return ActionResult({"Summaries": list(operation.get("Results", []))})

    @staticmethod
    def list_stack_sets(self: Any) -> ActionResult:
        status = self._get_param("Status")
        stack_sets = [s for s in self.cloudformation_backend.list_stack_sets() if status in (None, s.status)]
        return ActionResult({"Summaries": stack_sets})

    @staticmethod
    def activate_organizations_access(self: Any) -> ActionResult:
        org = organizations_backends[self.current_account]["aws"]
        if org.org is None:
            raise ValidationError(message="Organizations access can be activated only in the management account of an organization")
        org.enable_aws_service_access(ServicePrincipal=STACKSETS_PRINCIPAL)
        return ActionResult({})

    @staticmethod
    def describe_organizations_access(self: Any) -> ActionResult:
        owner = organizations_backends.master_accounts.get(self.current_account, (self.current_account, ""))[0]
        return ActionResult({"Status": "ENABLED" if organizations_access(organizations_backends[owner]["aws"]) else "DISABLED"})

    @staticmethod
    def list_stack_set_operations(self: Any) -> ActionResult:
        operations = self.cloudformation_backend.list_stack_set_operations(self._get_param("StackSetName"))
        summaries = [{key: op[key] for key in ("OperationId", "Action", "Status", "CreationTimestamp", "EndTimestamp", "StatusReason")
                      if key in op} for op in operations]
        return ActionResult({"Summaries": summaries})


class StackSetOperations(Extension):
    name = "cfn-stackset-operations"
    summary = ("StackSet operations run in the background, check self-managed roles, create/update/delete the stacks in "
               "the target accounts and fail with per-instance reasons")

    def install(self, patcher: Patcher) -> None:
        for name in ("create_stack_instances", "update_stack_instances", "update_stack_set", "delete_stack_instances",
                     "describe_stack_set_operation", "list_stack_set_operation_results", "list_stack_set_operations",
                     "list_stack_sets", "activate_organizations_access", "describe_organizations_access"):
            patcher.replace(CloudFormationResponse, name, getattr(_Api, name))

    def reset(self) -> None:
        WORKERS.stop_all()

    def shutdown(self) -> None:
        WORKERS.stop_all()
