"""Intent of the Studio URL API construct: private, JWT-authorized, fenced URLs; config refuses an open setup."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from mlops_infra.synth import synthesize
from mlops_runtime.config import PlatformConfig

STUDIO = {"studio_token_issuer": "https://login.example.com", "studio_token_audience": "studio-app", "studio_token_use": "id",
          "studio_api_vpc_endpoint_ids": ("vpce-0api",), "studio_url_vpc_endpoint_ids": ("vpce-0studio",),
          "studio_allowed_cidrs": ("10.0.0.0/16",)}


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return Template.from_json(synthesize(PlatformConfig(**STUDIO), tmp_path_factory.mktemp("cdk"))["mlops-tooling"].template)


def test_without_an_issuer_there_is_no_studio_api(tooling: Template) -> None:
    assert tooling.find_resources("AWS::ApiGateway::RestApi", {"Properties": {"Name": "mlops-studio-url"}}) == {}


def test_the_api_is_private_and_admits_only_the_vpc_endpoints(studio: Template) -> None:
    [api] = studio.find_resources("AWS::ApiGateway::RestApi", {"Properties": {"Name": "mlops-studio-url"}}).values()
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["PRIVATE"]}
    deny = next(s for s in api["Properties"]["Policy"]["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": ["vpce-0api"]}}


def test_every_call_is_verified_by_the_token_authorizer(studio: Template) -> None:
    [authorizer] = studio.find_resources("AWS::ApiGateway::Authorizer").values()
    assert (authorizer["Properties"]["Type"], authorizer["Properties"]["IdentitySource"],
            authorizer["Properties"]["AuthorizerResultTtlInSeconds"]) == ("TOKEN", "method.request.header.Authorization", 0)
    methods = [m for m in studio.find_resources("AWS::ApiGateway::Method").values() if m["Properties"]["HttpMethod"] == "POST"
               and m["Properties"].get("AuthorizationType") == "CUSTOM"]
    assert len(methods) == 1
    [function] = studio.find_resources("AWS::Lambda::Function", {"Properties": {"FunctionName": "mlops-studio-authorizer"}}).values()
    assert {k: function["Properties"]["Environment"]["Variables"][k] for k in ("TOKEN_ISSUER", "TOKEN_AUDIENCE", "TOKEN_USE", "JWKS_URL")} == {
        "TOKEN_ISSUER": "https://login.example.com", "TOKEN_AUDIENCE": "studio-app", "TOKEN_USE": "id",
        "JWKS_URL": "https://login.example.com/.well-known/jwks.json"}


def test_urls_are_fenced_to_the_allowed_networks(studio: Template) -> None:
    statements = [s for p in studio.find_resources("AWS::IAM::Policy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    [deny] = [s for s in statements if s.get("Sid") == "UrlsOnlyFromAllowedNetworks"]
    assert (deny["Effect"], deny["Action"], deny["Condition"]) == ("Deny", "sagemaker:CreatePresignedDomainUrl", {
        "StringNotEquals": {"aws:SourceVpce": ["vpce-0studio"]}, "NotIpAddress": {"aws:SourceIp": ["10.0.0.0/16"]}})
    [read] = [s for s in statements if s.get("Sid") == "ReadProfileMapping"]
    assert read["Action"] == "dynamodb:GetItem"


def test_the_mapping_table_is_encrypted_and_recoverable(studio: Template) -> None:
    studio.has_resource_properties("AWS::DynamoDB::Table", {
        "TableName": "mlops-studio-profiles", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"}})


@pytest.mark.parametrize(("change", "message"), [
    ({"studio_token_issuer": "http://login.example.com"}, "studio_token_issuer must be an https URL"),
    ({"studio_token_audience": None}, "needs studio_token_audience"),
    ({"studio_api_vpc_endpoint_ids": ()}, "the Studio URL API is private"),
    ({"studio_url_vpc_endpoint_ids": (), "studio_allowed_cidrs": ()}, "where issued Studio URLs may be used"),
    ({"studio_token_use": "refresh"}, "studio_token_use must be id or access"),
])
def test_an_open_or_incomplete_setup_is_refused(change: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        PlatformConfig(**{**STUDIO, **change})


DOMAIN = {"studio_domain_vpc_id": "vpc-0123456789abcdef0", "studio_domain_subnet_ids": ("subnet-0123456789abcdef0", "subnet-0fedcba9876543210"),
          "studio_user_profiles": ("ds-alice", "ds-bob"), "studio_idle_minutes": 120}


def test_studio_domain_is_vpc_only_encrypted_and_shuts_idle_apps(tmp_path: Path) -> None:
    template = Template.from_json(synthesize(PlatformConfig(**DOMAIN), tmp_path)["mlops-tooling"].template)
    [domain] = template.find_resources("AWS::SageMaker::Domain").values()
    properties = domain["Properties"]
    assert (properties["DomainName"], properties["AuthMode"], properties["AppNetworkAccessType"]) == ("mlops-studio", "IAM", "VpcOnly")
    assert properties["SubnetIds"] == list(DOMAIN["studio_domain_subnet_ids"]) and "KmsKeyId" in properties
    assert properties["DefaultUserSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"] == {
        "IdleTimeoutInMinutes": 120, "LifecycleManagement": "ENABLED"}
    assert sorted(p["Properties"]["UserProfileName"] for p in template.find_resources("AWS::SageMaker::UserProfile").values()) == [
        "ds-alice", "ds-bob"]


@pytest.mark.parametrize(("change", "message"), [
    ({"studio_domain_vpc_id": "my-vpc"}, "studio_domain_vpc_id must look like vpc-"),
    ({"studio_domain_subnet_ids": ()}, "needs studio_domain_subnet_ids"),
    ({"studio_idle_minutes": 30}, "studio_idle_minutes must be 60-525600"),
    ({"studio_domain": True, "studio_domain_vpc_id": None, "studio_domain_subnet_ids": ()}, "studio_domain needs a network"),
])
def test_bad_domain_settings_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PlatformConfig(**{**DOMAIN, **change})


def test_the_authorizer_gets_the_pyjwt_layer_that_deploy_publishes(studio: Template, tooling: Template) -> None:
    [authorizer] = [f for f in studio.find_resources("AWS::Lambda::Function").values()
                    if f["Properties"]["FunctionName"] == "mlops-studio-authorizer"]
    assert authorizer["Properties"]["Layers"][1] == {"Ref": "JwtLayerArn"}
    assert studio.to_json()["Parameters"]["JwtLayerArn"]["AllowedPattern"].startswith("^arn:aws[a-z-]*:lambda:")
    assert "JwtLayerArn" not in tooling.to_json()["Parameters"]  # no Studio API, no layer to build
