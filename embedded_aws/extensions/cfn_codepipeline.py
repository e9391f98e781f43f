"""CloudFormation creates CodePipeline pipelines (moto 5.2.5 skips ``AWS::CodePipeline::Pipeline``)."""

from __future__ import annotations

from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, camel_keys, cfn_tags

PIPELINE_KEYS = ("RoleArn", "ArtifactStore", "ArtifactStores", "Stages", "PipelineType", "Variables", "Triggers",
                 "ExecutionMode")


def _configuration_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def pipeline_declaration(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The API's ``pipeline`` structure from the resource's properties (action configuration kept verbatim)."""
    declaration = {"name": name, **camel_keys({k: properties[k] for k in PIPELINE_KEYS if k in properties}, keep=("Configuration",))}
    for stage in declaration.get("stages", []):
        for action in stage.get("actions", []):
            for key in ("inputArtifacts", "outputArtifacts"):
                action.setdefault(key, [])
            # CloudFormation takes any scalar in an action's configuration; the API takes strings only.
            action["configuration"] = {k: _configuration_value(v) for k, v in (action.get("configuration") or {}).items()}
    return declaration


class Pipeline(ApiResource):
    TYPE = "AWS::CodePipeline::Pipeline"
    SERVICE = "codepipeline"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("Version",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        tags = [{"key": t["Key"], "value": t["Value"]} for t in cfn_tags(properties)]
        extra = {"tags": tags} if tags else {}
        pipeline = client.create_pipeline(pipeline=pipeline_declaration(name, properties), **extra)["pipeline"]
        return pipeline["name"], {"Version": str(pipeline.get("version", 1))}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_pipeline(name=physical_id)


class CodePipelineResource(ResourceTypesExtension):
    name = "cfn-codepipeline"
    summary = "AWS::CodePipeline::Pipeline is created through the CodePipeline API"
    resource_types = (Pipeline,)
