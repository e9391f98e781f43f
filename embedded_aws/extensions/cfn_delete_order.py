"""CloudFormation deletes a stack's resources in reverse dependency order.

moto 5.2.5 deletes them in set order and retries failures: a role may go before the policy
attached to it, and then the policy's deletion fails for ever (``The role policy ... cannot be
found``), leaving the stack undeletable about half the time.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudformation.parsing import ResourceMap

from embedded_aws.extensions.base import Extension, Patcher

_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def references(value: Any, names: set[str]) -> set[str]:
    """Logical ids of ``names`` that ``value`` refers to (Ref, GetAtt, Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and item in names:
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else str(item).split(".", 1)[0]
                if target in names:
                    found.add(target)
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found.update(m for m in _SUB_REFERENCE.findall(text) if m in names)
                if isinstance(item, list) and len(item) > 1:
                    found.update(references(item[1], names))
            else:
                found.update(references(item, names))
    elif isinstance(value, list):
        for item in value:
            found.update(references(item, names))
    return found


def deletion_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids ordered so that every resource comes before the ones it depends on."""
    names = set(resources)
    depends: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        explicit = resource.get("DependsOn", [])
        explicit = {explicit} if isinstance(explicit, str) else set(explicit)
        depends[logical_id] = (references(resource, names) | explicit) & names - {logical_id}
    creation: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in creation or logical_id in visiting:
            return
        visiting.add(logical_id)
        for dependency in sorted(depends[logical_id]):
            visit(dependency)
        visiting.discard(logical_id)
        creation.append(logical_id)

    for logical_id in sorted(names):
        visit(logical_id)
    return list(reversed(creation))


def delete_in_order(self: Any) -> None:
    """Replacement for ``ResourceMap.delete``: dependents first, a few passes for eventual failures."""
    order = [lid for lid in deletion_order(self._resource_json_map)
             if self._resource_json_map[lid].get("DeletionPolicy") != "Retain"]
    last_error: Exception | None = None
    for _ in range(3):
        failed = []
        for logical_id in order:
            parsed = self._parsed_resources.get(logical_id)
            if parsed is None or isinstance(parsed, str):
                continue
            try:
                self._delete_resource(parsed, self._resource_json_map[logical_id])
                self._parsed_resources.pop(logical_id)
            except Exception as exc:  # noqa: BLE001 - kept and retried, as CloudFormation retries DELETE_FAILED dependents
                failed.append(logical_id)
                last_error = exc
        if not failed:
            return
        order = failed
    assert last_error is not None
    raise last_error


class CfnDeleteOrder(Extension):
    name = "cfn-delete-order"
    summary = "DeleteStack removes resources in reverse dependency order (policies before their roles)"

    def install(self, patcher: Patcher) -> None:
        patcher.replace(ResourceMap, "delete", delete_in_order)
