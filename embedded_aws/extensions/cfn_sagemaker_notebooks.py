"""CloudFormation notebook instances keep their declared name and properties and are stopped before deletion.

moto 5.2.5 ignores ``NotebookInstanceName`` (generated names), drops every property but the
instance type and role, and deletes by calling stop and delete back to back.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.models import FakeSagemakerNotebookInstance, FakeSageMakerNotebookInstanceLifecycleConfig, sagemaker_backends

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.sagemaker_notebooks import NotebookLifecycle, set_status, validate_platform_identifier

PROPERTY_ARGUMENTS = {
    "SubnetId": "subnet_id",
    "SecurityGroupIds": "security_group_ids",
    "KmsKeyId": "kms_key_id",
    "LifecycleConfigName": "lifecycle_config_name",
    "DirectInternetAccess": "direct_internet_access",
    "VolumeSizeInGB": "volume_size_in_gb",
    "AcceleratorTypes": "accelerator_types",
    "DefaultCodeRepository": "default_code_repository",
    "AdditionalCodeRepositories": "additional_code_repositories",
    "RootAccess": "root_access",
    "Tags": "tags",
}


def create_notebook(cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Any:
    properties = cloudformation_json["Properties"]
    platform = validate_platform_identifier(properties.get("PlatformIdentifier"))
    arguments = {arg: properties[key] for key, arg in PROPERTY_ARGUMENTS.items() if key in properties}
    if "volume_size_in_gb" in arguments:
        arguments["volume_size_in_gb"] = int(arguments["volume_size_in_gb"])
    instance = sagemaker_backends[account_id][region_name].create_notebook_instance(
        notebook_instance_name=resource_name,
        instance_type=properties["InstanceType"],
        role_arn=properties["RoleArn"],
        **arguments,
    )
    instance.platform_identifier = platform
    return instance


def delete_notebook(cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
    """Stop (as CloudFormation does, waiting for Stopped) and then delete."""
    backend = sagemaker_backends[account_id][region_name]
    instance = backend.notebook_instances.get(resource_name.split("/")[-1])
    if instance is None:
        return
    if instance.status not in ("Stopped", "Failed"):
        if instance.status == "InService":
            set_status(instance, "Stopping")
        set_status(instance, "Stopped")
    backend.delete_notebook_instance(instance.notebook_instance_name)


class CfnNotebookInstances(Extension):
    name = "cfn-sagemaker-notebooks"
    summary = "AWS::SageMaker::NotebookInstance keeps its name and properties; deletion stops it first"
    requires = (NotebookLifecycle.name,)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(FakeSagemakerNotebookInstance, "cloudformation_name_type", staticmethod(lambda: "NotebookInstanceName"))
        patcher.replace(FakeSagemakerNotebookInstance, "create_from_cloudformation_json", classmethod(create_notebook))
        patcher.replace(FakeSagemakerNotebookInstance, "delete_from_cloudformation_json", classmethod(delete_notebook))
        patcher.replace(FakeSageMakerNotebookInstanceLifecycleConfig, "cloudformation_name_type",
                        staticmethod(lambda: "NotebookInstanceLifecycleConfigName"))
