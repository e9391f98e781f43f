"""Create, update, wait for and delete CloudFormation stacks, reporting failures with their events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from mlops_platform.errors import DeployError
from mlops_runtime import waiting

Progress = Callable[[str], None]
SUCCESS = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"}
REPLACE_FIRST = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED"}
MAX_TEMPLATE_BODY = 51_200
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def no_progress(_: str) -> None:
    return None


def describe_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    """The stack, or ``None`` if it does not exist (or is deleted)."""
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in exc.response["Error"].get("Message", ""):
            return None
        raise
    return None if stack["StackStatus"] == "DELETE_COMPLETE" else stack


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def wait_for_stack(cfn: Any, name: str, progress: Progress = no_progress, timeout: float = 3600, poll: float = 2.0,
                   clock: waiting.Clock = waiting.REAL_CLOCK) -> dict[str, Any] | None:
    """Poll until the stack leaves ``*_IN_PROGRESS``; ``None`` once it is gone."""
    reported: list[str] = []

    def observe() -> dict[str, Any] | None:
        stack = describe_stack(cfn, name)
        if stack is not None and stack["StackStatus"] not in reported[-1:]:
            reported.append(stack["StackStatus"])
            progress(f"{name}: {stack['StackStatus']}")
        return stack

    return waiting.poll(observe, lambda stack: stack is None or not stack["StackStatus"].endswith("_IN_PROGRESS"),
                        timeout=timeout, interval=poll, clock=clock,
                        on_timeout=lambda stack: DeployError(f"{name} is still {stack['StackStatus'] if stack else 'gone'} "
                                                             f"after {timeout:.0f} s"))


def failure_reasons(cfn: Any, name: str, limit: int = 5) -> list[str]:
    """The latest ``*_FAILED`` events of the stack, as ``LogicalId: reason`` lines."""
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except ClientError:
        return []
    failed = [e for e in events if e.get("ResourceStatus", "").endswith("_FAILED")]
    return [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', 'no reason given')}" for e in failed[:limit]]


def deploy_stack(
    cfn: Any,
    name: str,
    template_body: str,
    parameters: dict[str, str],
    tags: dict[str, str],
    template_url: str | None = None,
    progress: Progress = no_progress,
    role_arn: str | None = None,
) -> dict[str, str]:
    """Create or update ``name`` and wait (as CloudFormation's service role ``role_arn`` when given); return its outputs,
    or raise :class:`DeployError` with reasons."""
    source = {"TemplateURL": template_url} if template_url and len(template_body) > MAX_TEMPLATE_BODY else {"TemplateBody": template_body}
    request = {
        "StackName": name,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        "Capabilities": CAPABILITIES,
        **source,
        **({"RoleARN": role_arn} if role_arn else {}),
    }
    existing = describe_stack(cfn, name)
    if existing is not None and existing["StackStatus"] in REPLACE_FIRST:
        progress(f"{name}: {existing['StackStatus']}, deleting before re-creating")
        delete_stack(cfn, name, progress)
        existing = None
    try:
        if existing is None:
            progress(f"{name}: creating")
            cfn.create_stack(**request, OnFailure="ROLLBACK")
        else:
            progress(f"{name}: updating")
            cfn.update_stack(**request)
    except ClientError as exc:
        error = exc.response["Error"]
        if "No updates are to be performed" in error.get("Message", ""):
            progress(f"{name}: up to date")
            return outputs_of(existing or {})
        raise DeployError(f"{name}: {error.get('Code')}: {error.get('Message')}") from exc
    stack = wait_for_stack(cfn, name, progress)
    if stack is None or stack["StackStatus"] not in SUCCESS:
        status = stack["StackStatus"] if stack else "DELETED"
        reasons = "; ".join(failure_reasons(cfn, name)) or "no failure events"
        raise DeployError(f"{name} ended {status}: {reasons}")
    return outputs_of(stack)


def delete_stack(cfn: Any, name: str, progress: Progress = no_progress) -> bool:
    """Delete ``name`` and wait; ``False`` if there was nothing to delete."""
    if describe_stack(cfn, name) is None:
        return False
    progress(f"{name}: deleting")
    cfn.delete_stack(StackName=name)
    stack = wait_for_stack(cfn, name, progress)
    if stack is not None and stack["StackStatus"] != "DELETE_COMPLETE":
        reasons = "; ".join(failure_reasons(cfn, name)) or "no failure events"
        raise DeployError(f"{name} ended {stack['StackStatus']}: {reasons}")
    return True
