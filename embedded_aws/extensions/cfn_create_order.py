"""CloudFormation creates a resource only after the resources it ``DependsOn``.

moto 5.2.5 walks the template in an order that honours ``DependsOn``, but creates a resource early, on
demand, as soon as another resource refers to it (``Ref``/``GetAtt``) — without its ``DependsOn``
first. A pipeline that an events role's policy refers to is then created before the action-role
policies it depends on, and the first execution CodePipeline starts at creation runs without them.
Here a resource created on demand has its ``DependsOn`` resources created first, as CloudFormation does.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.parsing import ResourceMap

from embedded_aws.extensions.base import Extension, Patcher


def explicit_dependencies(resource: dict[str, Any]) -> list[str]:
    """The logical ids a resource's ``DependsOn`` names (a string or a list)."""
    declared = resource.get("DependsOn", [])
    return [declared] if isinstance(declared, str) else list(declared)


class CfnCreateOrder(Extension):
    name = "cfn-create-order"
    summary = "A resource another one refers to is created after the resources it DependsOn (moto creates it at once)"

    def install(self, patcher: Patcher) -> None:
        original = ResourceMap.__getitem__

        def __getitem__(self: ResourceMap, key: str) -> Any:  # noqa: N807 - moto's lookup
            resource = self._resource_json_map.get(key) if key not in self._parsed_resources else None
            if isinstance(resource, dict):
                for dependency in explicit_dependencies(resource):
                    if dependency in self._resource_json_map and dependency not in self._parsed_resources:
                        self[dependency]
            return original(self, key)

        patcher.replace(ResourceMap, "__getitem__", __getitem__)
