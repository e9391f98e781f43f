"""CloudFormation creates API Gateway stages, request validators, authorizers and the account settings (moto 5.2.5
skips these types), and deletes a stack's REST API with it (moto keeps it).

``Ref`` of a deployment also returns its id (moto hands the stage the Python object). As on AWS, a stage with access
logging needs the account's CloudWatch role (``AWS::ApiGateway::Account``), and that role must trust API Gateway.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from moto.apigateway.models import Deployment, Method, RestAPI, apigateway_backends

from embedded_aws.extensions.base import Patcher
from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension

NO_LOGGING_ROLE = "CloudWatch Logs role ARN must be set in account settings to enable logging"


class Stage(ApiResource):
    TYPE = "AWS::ApiGateway::Stage"
    SERVICE = "apigateway"
    NAME_PROPERTY = "StageName"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if (properties.get("AccessLogSetting") or {}).get("DestinationArn") and not client.get_account().get("cloudwatchRoleArn"):
            raise ClientError({"Error": {"Code": "BadRequestException", "Message": NO_LOGGING_ROLE}}, "CreateStage")
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


class Account(ApiResource):
    """The account's API Gateway settings: the CloudWatch role stages log with (kept when the resource is deleted)."""

    TYPE = "AWS::ApiGateway::Account"
    SERVICE = "apigateway"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        role_arn = properties.get("CloudWatchRoleArn", "")
        if role_arn and not _trusts_api_gateway(role_arn):
            raise ClientError({"Error": {"Code": "BadRequestException", "Message": (
                "The role ARN does not have required permissions set to API Gateway")}}, "UpdateAccount")
        client.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])
        return f"{name}-account", {}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        """AWS keeps the account's settings when the resource goes."""


def _trusts_api_gateway(role_arn: str) -> bool:
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[role_arn.split(":")[4]]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto's NotFound types: a missing role trusts nobody
        return False
    return "apigateway.amazonaws.com" in str(role.assume_role_policy_document)


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
    summary = ("AWS::ApiGateway::Stage, RequestValidator, Authorizer and Account are created and a Method keeps its "
               "AuthorizerId, so a CDK RestApi has its stage, validator and Lambda authorizer; a stage with access logging "
               "needs the account's CloudWatch role")
    resource_types = (Stage, RequestValidator, Authorizer, Account)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(Deployment, "physical_resource_id", property(lambda deployment: deployment.id))
        original = Method.create_from_cloudformation_json.__func__

        def create_method(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
                          **kwargs: Any) -> Any:
            method = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
            method.authorizer_id = cloudformation_json["Properties"].get("AuthorizerId")
            return method

        patcher.replace(Method, "create_from_cloudformation_json", classmethod(create_method))

        def delete_rest_api(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> None:
            backend = apigateway_backends[account_id][region_name]
            if resource_name in backend.apis:
                backend.delete_rest_api(resource_name)

        patcher.replace(RestAPI, "delete_from_cloudformation_json", classmethod(delete_rest_api))
        super().install(patcher)
