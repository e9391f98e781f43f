"""CloudFormation creates API Gateway stages, request validators and authorizers (moto 5.2.5 skips these types).

``Ref`` of a deployment also returns its id (moto hands the stage the Python object).
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import Deployment, Method

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


class Authorizer(ApiResource):
    TYPE = "AWS::ApiGateway::Authorizer"
    SERVICE = "apigateway"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("AuthorizerId",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = {"restApiId": properties["RestApiId"], "name": properties.get("Name", name), "type": properties["Type"]}
        for key, api_key in (("AuthorizerUri", "authorizerUri"), ("IdentitySource", "identitySource"),
                             ("IdentityValidationExpression", "identityValidationExpression"), ("ProviderARNs", "providerARNs"),
                             ("AuthorizerCredentials", "authorizerCredentials")):
            if properties.get(key):
                request[api_key] = properties[key]
        if properties.get("AuthorizerResultTtlInSeconds") is not None:
            request["authorizerResultTtlInSeconds"] = int(properties["AuthorizerResultTtlInSeconds"])
        authorizer = client.create_authorizer(**request)
        return authorizer["id"], {"AuthorizerId": authorizer["id"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_authorizer(restApiId=properties["RestApiId"], authorizerId=physical_id)


class ApiGatewayStageResource(ResourceTypesExtension):
    name = "cfn-apigateway"
    summary = ("AWS::ApiGateway::Stage, RequestValidator and Authorizer are created and a Method keeps its AuthorizerId, "
               "so a CDK RestApi has its stage, validator and Lambda authorizer")
    resource_types = (Stage, RequestValidator, Authorizer)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(Deployment, "physical_resource_id", property(lambda deployment: deployment.id))
        original = Method.create_from_cloudformation_json.__func__

        def create_method(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
                          **kwargs: Any) -> Any:
            method = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
            method.authorizer_id = cloudformation_json["Properties"].get("AuthorizerId")
            return method

        patcher.replace(Method, "create_from_cloudformation_json", classmethod(create_method))
        super().install(patcher)
