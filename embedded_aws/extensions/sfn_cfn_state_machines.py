"""State machines created by CloudFormation can be executed, and CFN definition properties apply.

With execution switched on, moto serves the Step Functions API from a separate backend; its
CloudFormation support still writes to the old one, so ``StartExecution`` answers
``StateMachineDoesNotExist``. moto also ignores ``Definition`` and ``DefinitionSubstitutions``.
"""

from __future__ import annotations

import json
from typing import Any

import moto.stepfunctions.models as sfn_models
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.responses import get_backend

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import transform_cfn_properties


class _ActiveBackends:
    """Looks like ``stepfunctions_backends`` but returns the backend the API uses right now."""

    def __getitem__(self, account_id: str) -> _AccountBackends:
        return _AccountBackends(account_id)


class _AccountBackends:
    def __init__(self, account_id: str) -> None:
        self.account_id = account_id

    def __getitem__(self, region_name: str) -> Any:
        return get_backend(self.account_id, region_name)


def resolve_definition(properties: dict[str, Any]) -> dict[str, Any]:
    """Turn ``Definition`` and ``DefinitionSubstitutions`` into the ``DefinitionString`` moto reads."""
    resolved = dict(properties)
    definition = resolved.pop("Definition", None)
    if definition is not None and "DefinitionString" not in resolved:
        resolved["DefinitionString"] = json.dumps(definition)
    substitutions = resolved.pop("DefinitionSubstitutions", None) or {}
    text = resolved.get("DefinitionString", "")
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", str(value))
    if text:
        resolved["DefinitionString"] = text
    return resolved


class CfnStateMachines(Extension):
    name = "sfn-cfn-state-machines"
    summary = "AWS::StepFunctions::StateMachine lands in the executing backend, with substitutions applied"

    def install(self, patcher: Patcher) -> None:
        patcher.replace(sfn_models, "stepfunctions_backends", _ActiveBackends())
        transform_cfn_properties(patcher, StateMachine, resolve_definition)
        update = StateMachine.update_from_cloudformation_json

        def update_from_cloudformation_json(
            cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
            account_id: str, region_name: str,
        ) -> Any:
            properties = resolve_definition(cloudformation_json.get("Properties", {}))
            resolved = {**cloudformation_json, "Properties": properties}
            return update(original_resource, new_resource_name, resolved, account_id, region_name)

        patcher.replace(StateMachine, "update_from_cloudformation_json", classmethod(update_from_cloudformation_json))
