"""CodePipeline's ``CloudFormationStackSet`` and ``CloudFormationStackInstances`` deploy actions.

As in CodePipeline (action reference "CloudFormation StackSets"):

* ``CloudFormationStackSet`` reads ``TemplatePath`` (``Artifact::file``) and ``Parameters`` (an
  ``Artifact::file`` holding a ``[{ParameterKey, ParameterValue}]`` list, or literal
  ``ParameterKey=k,ParameterValue=v`` pairs); it creates the stack set and its instances in
  ``DeploymentTargets`` × ``Regions`` the first time, and later updates the stack set and deploys it
  to those instances only.
* with ``PermissionModel=SERVICE_MANAGED`` the ``DeploymentTargets`` are organizational units: the
  instances are the member accounts in them (and their children) at the time the action runs.
* ``CloudFormationStackInstances`` creates the missing instances of ``DeploymentTargets`` and updates
  the existing ones with ``ParameterOverrides``, on the stack set's current template.

The action's role must be allowed the stack set calls (``CreateStackSet``/``UpdateStackSet``, ``CreateStackInstances``/
``UpdateStackInstances``, ``DescribeStackSetOperation``) and to pass a self-managed stack set's administration role, and
reads the template and parameters from the artifact store with its own rights.
The action waits for the operation and fails with its ``StatusReason`` — which names the account,
region and the stack's own reason (for an endpoint, the alarm that rolled the deployment back).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

from moto.cloudformation.exceptions import StackSetNotFoundException, ValidationError
from moto.cloudformation.models import StackSet, cloudformation_backends

from embedded_aws.extensions import cfn_stackset_operations as operations
from embedded_aws.extensions import codepipeline_execution as execution
from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.codepipeline_execution import ActionFailed, ActionState, Run


def artifact_file(run: Run, action: dict[str, Any], path: str) -> str:
    """The text of ``Artifact::file`` from the run's artifacts, read as the action's role."""
    artifact, separator, name = path.partition("::")
    if not separator or artifact not in run.artifacts:
        raise ActionFailed(f"{path!r} does not name a file in an input artifact (expected ArtifactName::path)")
    with zipfile.ZipFile(io.BytesIO(run.read_artifact(action, artifact))) as archive:
        try:
            return archive.read(name).decode()
        except KeyError as exc:
            raise ActionFailed(f"File {name} does not exist in artifact {artifact}") from exc


def parameter_list(run: Run, action: dict[str, Any], value: str | None) -> list[dict[str, Any]]:
    """``Parameters`` / ``ParameterOverrides``: an artifact file or literal ``ParameterKey=..,ParameterValue=..`` pairs."""
    if not value:
        return []
    if "::" in value:
        try:
            parameters = json.loads(artifact_file(run, action, value))
        except json.JSONDecodeError as exc:
            raise ActionFailed(f"{value} is not a JSON list of parameters: {exc}") from exc
        return list(parameters)
    result = []
    for pair in value.split():
        fields = dict(item.split("=", 1) for item in pair.split(","))
        result.append({"ParameterKey": fields["ParameterKey"], "ParameterValue": fields.get("ParameterValue", "")})
    return result


def targets(run: Run, action: dict[str, Any], value: str) -> list[str]:
    """``DeploymentTargets``: comma-separated account ids, or an artifact file holding a JSON list."""
    if "::" in value:
        return [str(a) for a in json.loads(artifact_file(run, action, value))]
    return [a.strip() for a in value.split(",") if a.strip()]


def resolve_targets(run: Run, action: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The target accounts, and for ``SERVICE_MANAGED`` the unit each one is in."""
    config = action["configuration"]
    listed = targets(run, action, config["DeploymentTargets"])
    if config.get("PermissionModel", "SELF_MANAGED") != "SERVICE_MANAGED":
        return listed, {}
    try:
        pairs = operations.unit_accounts(run.account, listed)
    except ValidationError as exc:
        raise ActionFailed(exc.message) from exc
    if not pairs:
        raise ActionFailed(f"No member account is in {', '.join(listed)}")
    return [account for account, _ in pairs], dict(pairs)


def follow(stack_set: StackSet, operation_id: str, state: ActionState) -> str:
    """Wait for the operation; the action's summary, or :class:`ActionFailed` with the operation's reason."""
    state.external_id = operation_id
    operation = stack_set.get_operation(operation_id)
    while operation["Status"] in operations.IN_FLIGHT:
        if execution.WORKERS.stopping.is_set():
            raise ActionFailed("the embedded AWS is shutting down")
        time.sleep(execution.POLL_SECONDS)
    if operation["Status"] != "SUCCEEDED":
        raise ActionFailed(f"Stack set operation {operation_id} on {stack_set.name} {operation['Status']}: "
                           f"{operation.get('StatusReason', '')}")
    return f"Stack set {stack_set.name}: {operation['Action']} operation {operation_id} succeeded"


def _arn(run: Run, name: str) -> str:
    """The ARN of a stack set about to be created (``stackset/<name>:<id>``, its id not known yet)."""
    return f"arn:aws:cloudformation:{run.region}:{run.account}:stackset/{name}:*"


def _passed_administration_role(config: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A self-managed stack set's administration role, which the action hands to CloudFormation."""
    role = config.get("AdministrationRoleArn")
    return ((role, "cloudformation.amazonaws.com"),) if role else ()


def _preferences(config: dict[str, Any]) -> dict[str, Any]:
    return {"FailureTolerancePercentage": int(config["FailureTolerancePercentage"])} if "FailureTolerancePercentage" in config else {}


def stack_set_action(run: Run, action: dict[str, Any], state: ActionState) -> str:
    config = action["configuration"]
    backend = cloudformation_backends[run.account][run.region]
    template = artifact_file(run, action, config["TemplatePath"])
    parameters = parameter_list(run, action, config.get("Parameters"))
    (accounts, units), regions = resolve_targets(run, action), [r.strip() for r in config.get("Regions", run.region).split(",")]
    try:
        stack_set = backend.describe_stack_set(config["StackSetName"])
    except StackSetNotFoundException:
        run.require(action, [(f"cloudformation:{call}", _arn(run, config["StackSetName"]))
                             for call in ("CreateStackSet", "CreateStackInstances", "DescribeStackSetOperation")],
                    _passed_administration_role(config))
        stack_set = backend.create_stack_set(
            name=config["StackSetName"], template=template,
            parameters={p["ParameterKey"]: p["ParameterValue"] for p in parameters}, tags={},
            permission_model=config.get("PermissionModel", "SELF_MANAGED"), admin_role=config.get("AdministrationRoleArn"),
            exec_role=config.get("ExecutionRoleName"), description=config.get("Description"))
        return follow(stack_set, operations.create_instances(stack_set, accounts, regions, [], _preferences(config), units=units), state)
    missing = [a for a in accounts if not any(i.account_id == a for i in stack_set.instances.stack_instances)]
    run.require(action, [(f"cloudformation:{call}", stack_set.arn) for call in (
        "UpdateStackSet", "DescribeStackSetOperation", *(("CreateStackInstances",) if missing else ()))], _passed_administration_role(config))
    changes = {"template": template, "parameters": {p["ParameterKey"]: p["ParameterValue"] for p in parameters},
               "administration_role_arn": config.get("AdministrationRoleArn"), "execution_role_name": config.get("ExecutionRoleName")}
    existing = [a for a in accounts if a not in missing]
    if existing:
        summary = follow(stack_set, operations.update_stack_set(stack_set, changes, existing, regions, _preferences(config)), state)
    else:
        try:
            with operations.idle(stack_set):
                operations.apply_changes(stack_set, changes)
        except operations.OperationInProgress as exc:
            raise ActionFailed(f"Another Operation on StackSet {stack_set.name} is in progress") from exc
    if missing:
        summary = follow(stack_set, operations.create_instances(stack_set, missing, regions, [], _preferences(config), units=units), state)
    return summary


def stack_instances_action(run: Run, action: dict[str, Any], state: ActionState) -> str:
    config = action["configuration"]
    backend = cloudformation_backends[run.account][run.region]
    try:
        stack_set = backend.describe_stack_set(config["StackSetName"])
    except StackSetNotFoundException as exc:
        raise ActionFailed(f"StackSet {config['StackSetName']} not found") from exc
    overrides = parameter_list(run, action, config.get("ParameterOverrides"))
    (accounts, units), regions = resolve_targets(run, action), [r.strip() for r in config.get("Regions", run.region).split(",")]
    missing = [a for a in accounts if not any(i.account_id == a for i in stack_set.instances.stack_instances)]
    existing = [a for a in accounts if a not in missing]
    run.require(action, [(f"cloudformation:{call}", stack_set.arn) for call in (
        "DescribeStackSetOperation", *(("CreateStackInstances",) if missing else ()), *(("UpdateStackInstances",) if existing else ()))])
    summary = ""
    if missing:
        summary = follow(stack_set, operations.create_instances(stack_set, missing, regions, overrides, _preferences(config), units=units), state)
    if existing:
        summary = follow(stack_set, operations.update_instances(stack_set, existing, regions, overrides or None, _preferences(config)), state)
    return summary


class CodePipelineStackSets(Extension):
    name = "codepipeline-stackset-actions"
    summary = "CloudFormationStackSet and CloudFormationStackInstances deploy actions create/update stack sets and fail with the operation's reason"
    requires = (execution.CodePipelineExecutions.name, operations.StackSetOperations.name)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(execution, "EXECUTORS", {
            **execution.EXECUTORS,
            ("Deploy", "AWS", "CloudFormationStackSet"): stack_set_action,
            ("Deploy", "AWS", "CloudFormationStackInstances"): stack_instances_action,
        })
