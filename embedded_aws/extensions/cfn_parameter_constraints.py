"""CloudFormation enforces parameter constraints (AllowedValues, AllowedPattern, Min/Max) at CreateStack/UpdateStack.

moto 5.2.5 accepts any parameter value, so a product template's allow-lists and bounds never
bite; and an SSM-typed parameter naming a missing SSM parameter ends in an HTML 500 instead of
CloudFormation's validation error. CloudFormation resolves SSM-typed parameters with the rights of the stack's
principal (its service role — a Service Catalog launch role, a StackSet execution role — or its caller):
``ssm:GetParameters`` on each one. Messages are CloudFormation's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.utils import yaml_tag_constructor
from moto.ssm.models import ssm_backends

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_stack_principal import refusal_of_call


def parse_template(template: str) -> dict[str, Any]:
    try:
        return json.loads(template)
    except ValueError:
        yaml.add_multi_constructor("", yaml_tag_constructor)
        return yaml.load(template, Loader=yaml.Loader)  # noqa: S506 (moto's own loader, CFN tags)


def _number(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValidationError(message=f"Parameter '{name}' must be a number.") from None


def violation(name: str, spec: dict[str, Any], value: str) -> str | None:
    """CloudFormation's message for the first constraint ``value`` breaks, or ``None``."""
    kind = spec.get("Type", "String")
    values = [v.strip() for v in value.split(",")] if kind.startswith("List<") or kind == "CommaDelimitedList" else [value]
    for item in values:
        if "AllowedValues" in spec and item not in [str(v) for v in spec["AllowedValues"]]:
            return f"Parameter '{name}' must be one of AllowedValues"
        if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], item):
            return f"Parameter '{name}' must match pattern {spec['AllowedPattern']}"
        if "MinLength" in spec and len(item) < int(spec["MinLength"]):
            return f"Parameter '{name}' must contain at least {spec['MinLength']} characters"
        if "MaxLength" in spec and len(item) > int(spec["MaxLength"]):
            return f"Parameter '{name}' must contain at most {spec['MaxLength']} characters"
        if kind == "Number":
            number = _number(name, item)
            if "MinValue" in spec and number < float(spec["MinValue"]):
                return f"Parameter '{name}' must be a number not less than {spec['MinValue']}"
            if "MaxValue" in spec and number > float(spec["MaxValue"]):
                return f"Parameter '{name}' must be a number not greater than {spec['MaxValue']}"
    return None


def check_parameters(template: str, parameters: dict[str, str], ssm_has: Callable[[str], bool] = lambda _: True,
                     ssm_refusal: Callable[[list[str]], str | None] = lambda _: None) -> None:
    """Raise CloudFormation's ``ValidationError`` for the first parameter that breaks its constraints, for SSM-typed
    parameters the stack's principal may not read (``ssm_refusal`` tells) or that name SSM parameters the account
    lacks (``ssm_has`` tells)."""
    declared = (parse_template(template) or {}).get("Parameters") or {}
    missing, names = [], []
    for name, spec in declared.items():
        value = parameters.get(name, spec.get("Default"))
        if value is None:
            continue
        message = violation(name, spec, str(value))
        if message:
            raise ValidationError(message=message)
        if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
            names.append(str(value))
            if not ssm_has(str(value)):
                missing.append(f"ssm:{value}")
    refusal = ssm_refusal(names) if names else None
    if refusal:
        raise ValidationError(message=refusal)
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] cannot be found.")


def _ssm_lookup(backend: CloudFormationBackend) -> Callable[[str], bool]:
    ssm = ssm_backends[backend.account_id][backend.region_name]
    return lambda name: ssm.get_parameter(name) is not None


def _ssm_refusal(backend: CloudFormationBackend) -> Callable[[list[str]], str | None]:
    return lambda names: refusal_of_call("ssm", "GetParameters", {"Names": names}, backend.account_id, backend.region_name)


class CfnParameterConstraints(Extension):
    name = "cfn-parameter-constraints"
    summary = ("CreateStack/UpdateStack reject parameter values that break AllowedValues, AllowedPattern, lengths or bounds, "
               "and SSM-typed parameters naming missing SSM parameters")

    def install(self, patcher: Patcher) -> None:
        create, update = CloudFormationBackend.create_stack, CloudFormationBackend.update_stack

        def create_stack(self: Any, name: str, template: str, parameters: dict[str, str], *args: Any, **kwargs: Any) -> Any:
            check_parameters(template, parameters, _ssm_lookup(self), _ssm_refusal(self))
            return create(self, name, template, parameters, *args, **kwargs)

        def update_stack(self: Any, name: str, template: str, role_arn: str | None, parameters: list[dict[str, Any]],
                         *args: Any, **kwargs: Any) -> Any:
            stack = self.get_stack(name)
            values = dict(stack.parameters or {})
            values.update({p["ParameterKey"]: p["ParameterValue"] for p in parameters if not p.get("UsePreviousValue")})
            check_parameters(template or stack.template, values, _ssm_lookup(self), _ssm_refusal(self))
            return update(self, name, template, role_arn, parameters, *args, **kwargs)

        patcher.replace(CloudFormationBackend, "create_stack", create_stack)
        patcher.replace(CloudFormationBackend, "update_stack", update_stack)
