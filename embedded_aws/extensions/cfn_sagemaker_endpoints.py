"""CloudFormation SageMaker models, endpoint configs and endpoints keep their names; endpoint updates deploy blue/green.

moto 5.2.5 ignores ``ModelName``, ``EndpointConfigName`` and ``EndpointName`` (generated names),
updates an endpoint by deleting and recreating it, and on a stack update re-evaluates only resources
that name a changed parameter directly (not through ``Fn::Sub`` or another resource). Here the declared
names are kept; these three types are re-evaluated when anything they reference changed (``Ref``,
``Fn::GetAtt``, ``Fn::Sub``), in dependency order; and a changed ``EndpointConfigName`` becomes
UpdateEndpoint with the resource's ``DeploymentConfig`` — CloudFormation waits for the deployment, and
a rolled-back deployment fails the stack update with the endpoint's ``FailureReason`` (naming the alarm).
"""

from __future__ import annotations

import re
import time
from typing import Any

from moto.cloudformation.parsing import ResourceMap
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, Model, sagemaker_backends

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.sagemaker_blue_green import BlueGreenEndpoints, time_scale, update_endpoint

SAGEMAKER_TYPES = {"AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint"}
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def references(node: Any) -> set[str]:
    """Logical ids and parameter names a template fragment refers to."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found.update(_SUB_NAME.findall(text))
                if isinstance(value, list) and len(value) > 1:
                    found.update(references(value[1]))
            else:
                found.update(references(value))
    elif isinstance(node, list):
        for item in node:
            found.update(references(item))
    return {name for name in found if not name.startswith("AWS::")}


def with_sagemaker_dependents(resource_map: Any, diff: dict[str, Any], new: dict[str, Any], parameters: dict[str, Any] | None) -> None:
    """Add SageMaker resources that reference a changed parameter or resource to ``diff['Modify']``, in dependency order."""
    changed = {p for p in (parameters or {}) if resource_map.input_parameters.get(p) != parameters[p]}  # type: ignore[index]
    changed |= set(diff["Modify"]) | set(diff["Add"])
    grew = True
    while grew:
        grew = False
        for name, resource in new.items():
            if name in changed or name not in resource_map._resource_json_map or resource.get("Type") not in SAGEMAKER_TYPES:
                continue
            if references(resource) & changed:
                diff["Modify"].append(name)
                changed.add(name)
                grew = True


def update_endpoint_resource(cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: Any,
                             account_id: str, region_name: str) -> Any:
    backend = sagemaker_backends[account_id][region_name]
    properties = cloudformation_json["Properties"]
    endpoint = backend.endpoints[original_resource.endpoint_name]
    target = properties["EndpointConfigName"]
    if target != endpoint.endpoint_config_name:
        deployment = properties.get("DeploymentConfig")
        update_endpoint(backend, endpoint.endpoint_name, target, deployment)
        timeout = float(((deployment or {}).get("BlueGreenUpdatePolicy") or {}).get("MaximumExecutionTimeoutInSeconds", 28800))
        deadline = time.monotonic() + timeout * time_scale() + 30
        while endpoint.endpoint_status in ("Updating", "RollingBack") and time.monotonic() < deadline:
            time.sleep(0.05)
        if endpoint.endpoint_config_name != target:
            raise ValidationError(endpoint.failure_reason or f"Endpoint {endpoint.endpoint_name} did not reach {target}")
    endpoint.deployment_config = properties.get("DeploymentConfig")
    return endpoint


class CfnSageMakerEndpoints(Extension):
    name = "cfn-sagemaker-endpoints"
    summary = "SageMaker Model/EndpointConfig/Endpoint keep their names; a changed endpoint config deploys blue/green and a rollback fails the update"
    requires = (BlueGreenEndpoints.name,)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(Model, "cloudformation_name_type", staticmethod(lambda: "ModelName"))
        patcher.replace(FakeEndpointConfig, "cloudformation_name_type", staticmethod(lambda: "EndpointConfigName"))
        patcher.replace(FakeEndpoint, "cloudformation_name_type", staticmethod(lambda: "EndpointName"))
        patcher.replace(FakeEndpoint, "update_from_cloudformation_json", classmethod(update_endpoint_resource))
        original_diff = ResourceMap.build_resource_diff

        def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
            diff = original_diff(self, other_template, parameters)
            with_sagemaker_dependents(self, diff, other_template["Resources"], parameters)
            return diff

        patcher.replace(ResourceMap, "build_resource_diff", build_resource_diff)
