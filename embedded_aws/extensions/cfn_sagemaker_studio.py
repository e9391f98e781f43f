"""CloudFormation creates Studio domains and user profiles (moto 5.2.5 skips both types)."""

from __future__ import annotations

from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, cfn_tags

DOMAIN_KEYS = ("AuthMode", "DefaultUserSettings", "SubnetIds", "VpcId", "AppNetworkAccessType", "KmsKeyId", "DomainSettings",
               "AppSecurityGroupManagement", "DefaultSpaceSettings")


class Domain(ApiResource):
    TYPE = "AWS::SageMaker::Domain"
    SERVICE = "sagemaker"
    NAME_PROPERTY = "DomainName"
    ATTRIBUTES = ("DomainId", "DomainArn", "Url")

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = {key: properties[key] for key in DOMAIN_KEYS if key in properties}
        created = client.create_domain(DomainName=name, Tags=cfn_tags(properties), **request)
        domain_id = created["DomainArn"].rsplit("/", 1)[-1]
        return domain_id, {"DomainId": domain_id, "DomainArn": created["DomainArn"], "Url": created["Url"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_domain(DomainId=physical_id)


class UserProfile(ApiResource):
    TYPE = "AWS::SageMaker::UserProfile"
    SERVICE = "sagemaker"
    NAME_PROPERTY = "UserProfileName"
    ATTRIBUTES = ("UserProfileArn",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        extra = {"UserSettings": properties["UserSettings"]} if properties.get("UserSettings") else {}
        arn = client.create_user_profile(DomainId=properties["DomainId"], UserProfileName=name, Tags=cfn_tags(properties),
                                         **extra)["UserProfileArn"]
        return arn, {"UserProfileArn": arn}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_user_profile(DomainId=properties["DomainId"], UserProfileName=physical_id.rsplit("/", 1)[-1])


class StudioResources(ResourceTypesExtension):
    name = "cfn-sagemaker-studio"
    summary = "AWS::SageMaker::Domain and UserProfile are created through the SageMaker API (profiles need sagemaker-studio)"
    resource_types = (Domain, UserProfile)
