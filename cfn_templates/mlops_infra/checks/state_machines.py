"""State machines held to what Step Functions accepts: valid ASL, and SDK integrations that name real operations.

Structure (states, transitions, fields per state type, terminal states, reachability) is statelint's, the Python
port of awslabs/statelint. Step Functions also creates a machine whose ``aws-sdk`` task names an operation that does
not exist or passes a parameter the API does not have; the task then fails at run time. Each integration's
operation and parameters are checked against botocore's model of the service.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from mlops_infra.checks.policies import Finding

#: ``aws-sdk`` service names whose botocore model is named differently.
_BOTOCORE_NAMES = {"sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs"}
#: Optimized integrations (``arn:aws:states:::<service>:<action>``) whose parameters are the API operation's.
_OPTIMIZED = {"dynamodb": "dynamodb", "lambda": "lambda", "sns": "sns", "sqs": "sqs", "events": "events"}
_INTEGRATION = re.compile(r"^arn:[^:]+:states:::(?P<path>[^.]+)(?:\.(?:sync|waitForTaskToken)(?::2)?)?$")
#: A placeholder the renderer writes for a reference (``${Fn.Arn}``): a real ARN once deployed.
_PLACEHOLDER = re.compile(r'^State Machine\..* is "\$\{[^"]*\}" but should be A URI$')


@cache
def _model(service: str) -> Any:
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception:  # noqa: BLE001 (botocore raises UnknownServiceError or DataNotFoundError: either way, no model)
        return None


def _operation(service: str, action: str) -> Any:
    model = _model(service)
    if model is None:
        return None
    name = action[:1].upper() + action[1:]
    return model.operation_model(name) if name in model.operation_names else False


def _parameter_findings(shape: Any, parameters: dict[str, Any], where: str) -> list[Finding]:
    """Keys of ``parameters`` that ``shape`` (a structure) has no member for, and required members left out."""
    findings = []
    given = {key[:-2] if key.endswith(".$") else key: value for key, value in parameters.items()}
    for key, value in given.items():
        member = shape.members.get(key)
        if member is None:
            findings.append(Finding(where, f"parameter {key!r} is not in {shape.name} (it has {', '.join(sorted(shape.members))})"))
        elif isinstance(value, dict) and member.type_name == "structure" and key in parameters:
            findings.extend(_parameter_findings(member, value, f"{where}.{key}"))
        elif isinstance(value, list) and member.type_name == "list" and member.member.type_name == "structure" and key in parameters:
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    findings.extend(_parameter_findings(member.member, item, f"{where}.{key}[{index}]"))
    findings.extend(Finding(where, f"required parameter {name!r} of {shape.name} is missing")
                    for name in shape.required_members if name not in given)
    return findings


def integration_findings(state: dict[str, Any], where: str) -> list[Finding]:
    """Problems of a Task state's service integration (nothing for a Lambda ARN or an integration it does not know)."""
    found = _INTEGRATION.match(str(state.get("Resource", "")))
    if not found:
        return []
    head, _, action = found.group("path").partition(":")
    if head == "aws-sdk":
        sdk_service, _, action = action.partition(":")
        service = _BOTOCORE_NAMES.get(sdk_service, sdk_service)
    elif head in _OPTIMIZED:
        service = _OPTIMIZED[head]
    else:
        return []
    operation = _operation(service, action)
    if operation is None:
        return [Finding(where, f"{head}:{service}: no such service in the AWS SDK")] if head == "aws-sdk" else []
    if operation is False:
        return [Finding(where, f"{service} has no operation {action!r}")]
    parameters = state.get("Parameters") or state.get("Arguments") or {}
    if operation.input_shape is None:
        return [Finding(where, f"{service}:{action} takes no parameters")] if parameters else []
    return _parameter_findings(operation.input_shape, parameters if isinstance(parameters, dict) else {}, where)


def _task_states(states: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    tasks = []
    for name, state in states.items():
        here = f"{path}/{name}"
        if state.get("Type") == "Task":
            tasks.append((here, state))
        for branch in state.get("Branches", []):
            tasks.extend(_task_states(branch.get("States", {}), here))
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            tasks.extend(_task_states(processor.get("States", {}), here))
    return tasks


def definition_findings(asl: dict[str, Any], machine: str) -> list[Finding]:
    """Problems of one state machine definition (as :func:`mlops_infra.render.state_machines` renders it)."""
    from statelint.config import Config
    from statelint.linter import Linter
    from statelint.problem import ProblemType

    # BackoffRate 2 is accepted by Step Functions (statelint wants 2.0); placeholders stand for ARNs
    problems = Linter.validate(json.dumps(asl), Config({ProblemType.FLOAT}))
    findings = [Finding(machine, problem) for problem in problems if not _PLACEHOLDER.match(problem)]
    for where, state in _task_states(asl.get("States", {}), machine):
        findings.extend(integration_findings(state, where))
    return findings
