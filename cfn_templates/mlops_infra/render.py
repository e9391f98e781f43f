"""Render state machines of a synthesized template as plain ASL (``*.asl.json``) for review and consoles.

References to other resources become ``${LogicalId}`` / ``${LogicalId.Attribute}`` placeholders,
pseudo parameters ``${AWS::Region}`` etc., so the ASL is readable without deploying anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

_HASH_SUFFIX = re.compile(r"[0-9A-F]{8}$")


def _placeholder(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + _readable(value["Ref"]) + "}"
    if "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        return "${" + _readable(resource) + "." + attribute + "}"
    raise ValueError(f"cannot render {value!r}")


def _readable(logical_id: str) -> str:
    """``NotebookProvisioningWaiterFunction1D703A7E`` → ``NotebookProvisioningWaiterFunction`` (no CDK hash)."""
    return logical_id if logical_id.startswith("AWS::") else _HASH_SUFFIX.sub("", logical_id)


def definition_text(definition: Any) -> str:
    """The DefinitionString of a template (plain string or ``Fn::Join``) with placeholders."""
    if isinstance(definition, str):
        return definition
    separator, parts = definition["Fn::Join"]
    return separator.join(_placeholder(part) for part in parts)


def state_machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{state machine name: ASL}`` for every state machine of the template."""
    rendered = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            properties = resource["Properties"]
            rendered[properties["StateMachineName"]] = json.loads(definition_text(properties["DefinitionString"]))
    return rendered


def next_states(state: dict[str, Any]) -> list[str]:
    """Every state name ``state`` can move to."""
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def structural_errors(asl: dict[str, Any], path: str = "") -> list[str]:
    """Problems that make an ASL definition invalid: unknown StartAt/Next, states without Type, dead ends."""
    states = asl.get("States", {})
    errors = [] if asl.get("StartAt") in states else [f"{path}StartAt {asl.get('StartAt')!r} is not a state"]
    for name, state in states.items():
        if "Type" not in state:
            errors.append(f"{path}{name}: no Type")
        errors += [f"{path}{name}: Next {target!r} is not a state" for target in next_states(state) if target not in states]
        if state.get("Type") not in ("Choice", "Succeed", "Fail") and not state.get("End") and "Next" not in state:
            errors.append(f"{path}{name}: neither Next nor End")
        for index, branch in enumerate(state.get("Branches", [])):
            errors += structural_errors(branch, f"{path}{name}/branch{index}/")
        if "ItemProcessor" in state or "Iterator" in state:
            errors += structural_errors(state.get("ItemProcessor") or state["Iterator"], f"{path}{name}/items/")
    reachable, queue = set(), [asl.get("StartAt")]
    while queue:
        current = queue.pop()
        if current in reachable or current not in states:
            continue
        reachable.add(current)
        queue += next_states(states[current])
    errors += [f"{path}{name}: unreachable" for name in states if name not in reachable]
    return errors
