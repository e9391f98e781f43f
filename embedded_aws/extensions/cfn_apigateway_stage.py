"""CloudFormation creates API Gateway stages and request validators (moto 5.2.5 skips both types).

``Ref`` of a deployment also returns its id (moto hands the stage the Python object).
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import Deployment

from embedded_aws.extensions.base import Patcher
from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension


class Stage(ApiResource):
    TYPE = "AWS::ApiGateway::Stage"
    SERVICE = "apigateway"
    NAME_PROPERTY = "StageName"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = {"restApiId": properties["RestApiId"], "stageName": properties["StageName"], "deploymentId": properties["DeploymentId"]}
        if properties.get("Description"):
            request["description"] = properties["Description"]
        if properties.get("TracingEnabled") is not None:
            request["tracingEnabled"] = str(properties["TracingEnabled"]).lower() == "true"
        client.create_stage(**request)
        return properties["StageName"], {}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_stage(restApiId=properties["RestApiId"], stageName=physical_id)


class RequestValidator(ApiResource):
    TYPE = "AWS::ApiGateway::RequestValidator"
    SERVICE = "apigateway"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        validator = client.create_request_validator(
            restApiId=properties["RestApiId"], name=properties.get("Name", name),
            validateRequestBody=str(properties.get("ValidateRequestBody", False)).lower() == "true",
            validateRequestParameters=str(properties.get("ValidateRequestParameters", False)).lower() == "true")
        return validator["id"], {"RequestValidatorId": validator["id"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_request_validator(restApiId=properties["RestApiId"], requestValidatorId=physical_id)


class ApiGatewayStageResource(ResourceTypesExtension):
    name = "cfn-apigateway"
    summary = "AWS::ApiGateway::Stage and RequestValidator are created, so a CDK RestApi has its stage and validator"
    resource_types = (Stage, RequestValidator)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(Deployment, "physical_resource_id", property(lambda deployment: deployment.id))
        super().install(patcher)
