"""CloudFormation creates SageMaker model package groups (moto 5.2.5 skips ``AWS::SageMaker::ModelPackageGroup``)."""

from __future__ import annotations

from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, cfn_tags


class ModelPackageGroup(ApiResource):
    TYPE = "AWS::SageMaker::ModelPackageGroup"
    SERVICE = "sagemaker"
    NAME_PROPERTY = "ModelPackageGroupName"
    ATTRIBUTES = ("ModelPackageGroupArn", "ModelPackageGroupStatus", "CreationTime")

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        extra = {"ModelPackageGroupDescription": properties["ModelPackageGroupDescription"]} \
            if properties.get("ModelPackageGroupDescription") else {}
        arn = client.create_model_package_group(ModelPackageGroupName=name, Tags=cfn_tags(properties), **extra)["ModelPackageGroupArn"]
        group = client.describe_model_package_group(ModelPackageGroupName=name)
        return arn, {"ModelPackageGroupArn": arn, "ModelPackageGroupStatus": group["ModelPackageGroupStatus"],
                     "CreationTime": group["CreationTime"].isoformat()}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_model_package_group(ModelPackageGroupName=physical_id.rsplit("/", 1)[-1])


class SageMakerRegistryResources(ResourceTypesExtension):
    name = "cfn-sagemaker-model-package-group"
    summary = "AWS::SageMaker::ModelPackageGroup is created through the SageMaker API (Ref gives its ARN)"
    resource_types = (ModelPackageGroup,)
