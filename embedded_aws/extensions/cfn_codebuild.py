"""CloudFormation creates CodeBuild projects; sources that need no location are accepted.

moto 5.2.5 skips ``AWS::CodeBuild::Project`` and rejects every project without a source
or artifacts location, although ``CODEPIPELINE`` and ``NO_SOURCE`` projects have none.
"""

from __future__ import annotations

from typing import Any

import moto.codebuild.responses as codebuild_responses

from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import ApiResource, camel_keys, cfn_tags, register_resource_types

SOURCES_WITHOUT_LOCATION = ("CODEPIPELINE", "NO_SOURCE")
API_NAMES = {"BuildSpec": "buildspec"}


class CodeBuildProject(ApiResource):
    TYPE = "AWS::CodeBuild::Project"
    SERVICE = "codebuild"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = {
            "name": name,
            "source": camel_keys(properties["Source"], renames=API_NAMES),
            "artifacts": camel_keys(properties["Artifacts"]),
            "environment": camel_keys(properties["Environment"]),
            "serviceRole": properties["ServiceRole"],
            "tags": [{"key": t["Key"], "value": t["Value"]} for t in cfn_tags(properties)],
        }
        for cfn_key, api_key in (("Description", "description"), ("EncryptionKey", "encryptionKey"),
                                 ("TimeoutInMinutes", "timeoutInMinutes"), ("LogsConfig", "logsConfig"),
                                 ("VpcConfig", "vpcConfig"), ("Cache", "cache")):
            if cfn_key in properties:
                request[api_key] = camel_keys(properties[cfn_key])
        if "timeoutInMinutes" in request:
            request["timeoutInMinutes"] = int(request["timeoutInMinutes"])
        project = client.create_project(**request)["project"]
        return project["name"], {"Arn": project["arn"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_project(name=physical_id)


def _location_optional(validate: Any, exempt: tuple[str, ...]) -> Any:
    """Wrap one of moto's validators so that ``exempt`` types pass without a location."""

    def validate_location(settings: dict[str, Any]) -> None:
        if settings.get("type") in exempt:
            validate({**settings, "location": settings.get("location") or "-"})
        else:
            validate(settings)

    return validate_location


class CodeBuildProjectResource(Extension):
    name = "cfn-codebuild"
    summary = "AWS::CodeBuild::Project is created; CODEPIPELINE/NO_SOURCE sources need no location"

    def install(self, patcher: Patcher) -> None:
        for function_name, exempt in (("_validate_required_params_source", SOURCES_WITHOUT_LOCATION),
                                      ("_validate_required_params_artifacts", ("CODEPIPELINE",))):
            patcher.replace(codebuild_responses, function_name, _location_optional(getattr(codebuild_responses, function_name), exempt))
        register_resource_types(patcher, CodeBuildProject)
