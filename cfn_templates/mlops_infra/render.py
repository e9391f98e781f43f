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
