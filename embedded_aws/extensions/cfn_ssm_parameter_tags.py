"""CloudFormation SSM parameters accept the template's ``Tags``.

``AWS::SSM::Parameter`` takes its tags as a map (``{"owner": "team"}``); moto 5.2.5 hands that map
to ``PutParameter``, which expects ``[{Key, Value}]``, so any tagged parameter fails the stack with
an HTML 500. Here the map becomes the list PutParameter takes (a list is left as it is).
"""

from __future__ import annotations

from typing import Any

from moto.ssm.models import Parameter

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import transform_cfn_properties


def parameter_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties with PutParameter-shaped tags."""
    tags = properties.get("Tags")
    if isinstance(tags, dict):
        return {**properties, "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}
    return properties


class SsmParameterTags(Extension):
    name = "cfn-ssm-parameter-tags"
    summary = "Tagged AWS::SSM::Parameter resources are created with their tags (moto expects PutParameter's tag list)"

    def install(self, patcher: Patcher) -> None:
        transform_cfn_properties(patcher, Parameter, parameter_properties)
