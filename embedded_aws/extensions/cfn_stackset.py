"""CloudFormation creates stack sets and their instances (moto 5.2.5 skips ``AWS::CloudFormation::StackSet``)."""

from __future__ import annotations

import time
from typing import Any

from moto.cloudformation.exceptions import ValidationError

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, cfn_tags

STACKSET_KEYS = ("Description", "TemplateBody", "TemplateURL", "Parameters", "Capabilities", "PermissionModel",
                 "AdministrationRoleARN", "ExecutionRoleName", "AutoDeployment", "CallAs", "ManagedExecution")


def wait_for_operation(client: Any, name: str, operation_id: str, timeout: float = 3600.0) -> None:
    """Wait for a stack set operation, as CloudFormation does for this resource; a failed one fails the resource."""
    deadline = time.monotonic() + timeout
    while True:
        operation = client.describe_stack_set_operation(StackSetName=name, OperationId=operation_id)["StackSetOperation"]
        if operation["Status"] == "SUCCEEDED":
            return
        if operation["Status"] in {"FAILED", "STOPPED"} or time.monotonic() > deadline:
            raise ValidationError(message=f"Stack set {name} operation {operation_id} {operation['Status']}: "
                                          f"{operation.get('StatusReason', 'timed out')}")
        time.sleep(0.05)


class StackSet(ApiResource):
    TYPE = "AWS::CloudFormation::StackSet"
    SERVICE = "cloudformation"
    NAME_PROPERTY = "StackSetName"
    ATTRIBUTES = ("StackSetId",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = {key: properties[key] for key in STACKSET_KEYS if key in properties}
        stack_set_id = client.create_stack_set(StackSetName=name, Tags=cfn_tags(properties), **request)["StackSetId"]
        for group in properties.get("StackInstancesGroup") or []:
            targets = group["DeploymentTargets"]
            instances: dict[str, Any] = {"StackSetName": name, "Regions": group["Regions"]}
            if targets.get("Accounts"):
                instances["Accounts"] = targets["Accounts"]
            else:
                instances["DeploymentTargets"] = targets
            if group.get("ParameterOverrides"):
                instances["ParameterOverrides"] = group["ParameterOverrides"]
            if properties.get("OperationPreferences"):
                instances["OperationPreferences"] = properties["OperationPreferences"]
            wait_for_operation(client, name, client.create_stack_instances(**instances)["OperationId"])
        return stack_set_id, {"StackSetId": stack_set_id}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        name = physical_id.split(":", 1)[0]
        instances = client.list_stack_instances(StackSetName=name)["Summaries"]
        accounts = sorted({i["Account"] for i in instances})
        regions = sorted({i["Region"] for i in instances})
        if accounts:
            operation = client.delete_stack_instances(StackSetName=name, Accounts=accounts, Regions=regions, RetainStacks=False)
            wait_for_operation(client, name, operation["OperationId"])
        client.delete_stack_set(StackSetName=name)


class StackSetResource(ResourceTypesExtension):
    name = "cfn-stackset"
    summary = "AWS::CloudFormation::StackSet is created with its StackInstancesGroup deployed"
    resource_types = (StackSet,)
