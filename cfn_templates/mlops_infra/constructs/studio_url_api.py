"""The Studio URL API: private REST API, JWT (Lambda) authorizer, the caller's own Studio profile only.

    caller (VPC endpoint) ─▶ POST /studio/url ─▶ TOKEN authorizer (PyJWT: signature, pinned algorithms,
    issuer, audience, expiry) ─▶ URL Lambda: mapping table (issuer + subject → profile) ─▶
    CreatePresignedDomainUrl (short ExpiresInSeconds) — usable only from the allowed Studio VPC endpoints / CIDRs
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from mlops_infra.constructs.platform_function import PlatformFunction
from mlops_infra.nag import suppress

STAGE = "v1"
URL_EXPIRES_SECONDS = 60


class StudioUrlApi(Construct):
    """Mapping table, authorizer and URL functions, and the private API that ties them."""

    def __init__(self, scope: Construct, id_: str, *, project: str, key: kms.IKey, issuer: str, audience: str, token_use: str | None,
                 jwks_url: str, api_vpc_endpoint_ids: Sequence[str], url_vpc_endpoint_ids: Sequence[str],
                 allowed_cidrs: Sequence[str], removal_policy: cdk.RemovalPolicy, jwt_layer_arn: str) -> None:
        super().__init__(scope, id_)
        partition, region, account = cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID
        self.table = dynamodb.Table(
            self, "Profiles", table_name=f"{project}-studio-profiles",
            partition_key=dynamodb.Attribute(name="subject", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED, encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            removal_policy=removal_policy)
        self.authorizer_function = PlatformFunction(
            self, "Authorizer", project=project, name="studio-authorizer", handler_module="studio_authorizer",
            description="Verifies the caller's JWT (issuer, audience, expiry, pinned algorithms) for the Studio URL API",
            environment={"TOKEN_ISSUER": issuer, "TOKEN_AUDIENCE": audience, "TOKEN_USE": token_use or "", "JWKS_URL": jwks_url},
            layer_arns=(jwt_layer_arn,),
            outside_network="it fetches the issuer's signing keys (JWKS) from the internet, which the ML environment's "
                            "private subnets cannot reach; it calls no AWS API and reads no data")
        self.url_function = PlatformFunction(
            self, "Url", project=project, name="studio-url-api", handler_module="studio_url_api",
            description="Presigned Studio URL for the authorized caller's own user profile",
            environment={"PROFILE_TABLE": self.table.table_name, "URL_EXPIRES_SECONDS": str(URL_EXPIRES_SECONDS)})
        role = self.url_function.role
        role.add_to_policy(iam.PolicyStatement(sid="ReadProfileMapping", actions=["dynamodb:GetItem"], resources=[self.table.table_arn]))
        role.add_to_policy(iam.PolicyStatement(sid="DecryptProfileMapping", actions=["kms:Decrypt"], resources=[key.key_arn]))
        profiles = f"arn:{partition}:sagemaker:{region}:{account}:user-profile/*/*"
        role.add_to_policy(iam.PolicyStatement(sid="PresignedStudioUrls", actions=["sagemaker:CreatePresignedDomainUrl"], resources=[profiles]))
        role.add_to_policy(self._url_guardrail(url_vpc_endpoint_ids, allowed_cidrs))
        suppress(role, "AwsSolutions-IAM5", "Any user profile of this account's Studio domains: the handler picks the caller's own "
                 "from the mapping table; the Deny guardrail limits where issued URLs work",
                 applies_to=["Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:user-profile/*/*"])

        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.api = apigateway.RestApi(
            self, "Api", rest_api_name=f"{project}-studio-url", description="Presigned Studio URLs for the caller's own profile (JWT)",
            cloud_watch_role=False, endpoint_types=[apigateway.EndpointType.PRIVATE],
            policy=self._private_policy(api_vpc_endpoint_ids),
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE, tracing_enabled=True, access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True, http_method=True, ip=True, protocol=True, request_time=True, resource_path=True,
                    response_length=True, status=True, user=True)))
        authorizer = apigateway.TokenAuthorizer(
            self, "Jwt", handler=self.authorizer_function.function, identity_source="method.request.header.Authorization",
            validation_regex=r"^Bearer [-0-9A-Za-z_=]+\.[-0-9A-Za-z_=]+\.[-0-9A-Za-z_=]*$",
            results_cache_ttl=cdk.Duration.seconds(0))  # every call verified: a revoked or expired token is never replayed
        validator = self.api.add_request_validator("Validator", validate_request_parameters=True, validate_request_body=True)
        self.api.root.add_resource("studio").add_resource("url").add_method(
            "POST", apigateway.LambdaIntegration(self.url_function.function, proxy=True),
            authorization_type=apigateway.AuthorizationType.CUSTOM, authorizer=authorizer, request_validator=validator)
        suppress(self.api, "AwsSolutions-APIG3", "Private API reachable only through the listed VPC endpoints, every call JWT-verified")
        suppress(self.api, "AwsSolutions-APIG6", "Access logs (through the account's API Gateway CloudWatch role, "
                                                 "ApiGatewayAccount) and X-Ray are on; execution logs would record request bodies")
        suppress(self.api, "AwsSolutions-COG4", "Tokens come from any OIDC issuer (Cognito included); the Lambda authorizer verifies them")

    @staticmethod
    def _private_policy(vpc_endpoint_ids: Sequence[str]) -> iam.PolicyDocument:
        """Invoke only through the listed execute-api VPC endpoints."""
        return iam.PolicyDocument(statements=[
            iam.PolicyStatement(sid="InvokeThroughVpcEndpoints", principals=[iam.AnyPrincipal()], actions=["execute-api:Invoke"],
                                resources=["execute-api:/*"]),
            iam.PolicyStatement(sid="DenyOutsideVpcEndpoints", effect=iam.Effect.DENY, principals=[iam.AnyPrincipal()],
                                actions=["execute-api:Invoke"], resources=["execute-api:/*"],
                                conditions={"StringNotEquals": {"aws:SourceVpce": list(vpc_endpoint_ids)}}),
        ])

    @staticmethod
    def _url_guardrail(vpc_endpoint_ids: Sequence[str], cidrs: Sequence[str]) -> iam.PolicyStatement:
        """Deny creating (hence using) a URL unless the request comes from an allowed Studio VPC endpoint or CIDR.

        SageMaker evaluates the creator's policy when the URL is used, so the same conditions bind the URL.
        """
        conditions: dict[str, dict[str, list[str]]] = {}
        if vpc_endpoint_ids:
            conditions["StringNotEquals"] = {"aws:SourceVpce": list(vpc_endpoint_ids)}
        if cidrs:
            conditions["NotIpAddress"] = {"aws:SourceIp": list(cidrs)}
        return iam.PolicyStatement(sid="UrlsOnlyFromAllowedNetworks", effect=iam.Effect.DENY, actions=["sagemaker:CreatePresignedDomainUrl"],
                                   resources=["*"], conditions=conditions)
