"""Extensions apigateway-execute and cfn-apigateway-stage: deployed REST APIs answer, with IAM auth."""

from __future__ import annotations

import json

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from embedded_aws import EmbeddedAws, extensions
from support import stack_outcome, trust_policy, zip_module

HANDLER = '''
import json

def handler(event, context):
    body = {"user": event["requestContext"]["identity"].get("userArn"), "path": event["path"],
            "method": event["httpMethod"], "params": event["pathParameters"], "body": event["body"]}
    return {"statusCode": 201 if event["httpMethod"] == "POST" else 200, "headers": {"x-demo": "1"}, "body": json.dumps(body)}
'''


def _api(aws: EmbeddedAws, authorization: str = "AWS_IAM") -> str:
    iam, lam, apigw = aws.client("iam"), aws.client("lambda"), aws.client("apigateway")
    role = iam.create_role(RoleName="api-fn", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    fn = lam.create_function(FunctionName="api-fn", Runtime="python3.11", Role=role, Handler="app.handler",
                             Code={"ZipFile": zip_module({"app.py": HANDLER})})["FunctionArn"]
    api = apigw.create_rest_api(name="demo")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    users = apigw.create_resource(restApiId=api, parentId=root, pathPart="users")["id"]
    user = apigw.create_resource(restApiId=api, parentId=users, pathPart="{name}")["id"]
    for method in ("GET", "POST"):
        apigw.put_method(restApiId=api, resourceId=user, httpMethod=method, authorizationType=authorization)
        apigw.put_integration(restApiId=api, resourceId=user, httpMethod=method, type="AWS_PROXY", integrationHttpMethod="POST",
                              uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations")
    apigw.create_deployment(restApiId=api, stageName="v1")
    return f"{aws.endpoint_url}/restapis/{api}/v1/_user_request_"


def _signed(method: str, url: str, access_key: str, secret: str, body: str = "") -> requests.Response:
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access_key, secret), "execute-api", "us-east-1").add_auth(request)
    return requests.request(method, url, data=body, headers=dict(request.headers), timeout=30)


def test_signed_request_reaches_lambda_with_the_callers_identity(aws: EmbeddedAws) -> None:
    base = _api(aws)
    keys = aws.credentials["tooling"]
    response = _signed("POST", f"{base}/users/ana", keys.access_key_id, keys.secret_access_key, body='{"a": 1}')
    assert (response.status_code, response.headers["x-demo"]) == (201, "1")
    assert response.json() == {"user": "arn:aws:iam::123456789012:user/embedded-admin", "path": "/users/ana", "method": "POST",
                               "params": {"name": "ana"}, "body": '{"a": 1}'}


def test_assumed_role_identity_is_the_session_arn(aws: EmbeddedAws) -> None:
    base = _api(aws)
    creds = aws.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
                                          RoleSessionName="deploy")["Credentials"]
    request = AWSRequest(method="GET", url=f"{base}/users/bo")
    SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]), "execute-api", "us-east-1").add_auth(request)
    response = requests.get(f"{base}/users/bo", headers=dict(request.headers), timeout=30)
    assert response.json()["user"] == "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/deploy"


@pytest.mark.parametrize(("sign_with", "message"), [
    (None, "Missing Authentication Token"),
    (("AKIAUNKNOWNKEY000000", "x"), "The security token included in the request is invalid."),
], ids=["unsigned", "unknown-key"])
def test_iam_methods_refuse_unsigned_or_unknown_callers(aws: EmbeddedAws, sign_with: tuple | None, message: str) -> None:
    base = _api(aws)
    response = _signed("GET", f"{base}/users/ana", *sign_with) if sign_with else requests.get(f"{base}/users/ana", timeout=30)
    assert (response.status_code, response.json()) == (403, {"message": message})


def test_unknown_path_or_stage(aws: EmbeddedAws) -> None:
    base = _api(aws)
    assert requests.get(f"{base}/nothing", timeout=30).json() == {"message": "Missing Authentication Token"}
    assert requests.get(base.replace("/v1/", "/v9/") + "/users/a", timeout=30).status_code == 403


def test_without_extension_the_api_does_not_answer(aws: EmbeddedAws) -> None:
    base = _api(aws, authorization="NONE")
    with extensions.disabled("apigateway-execute"):
        response = requests.get(f"{base}/users/ana", timeout=30)
    assert response.status_code != 200


STAGE_TEMPLATE = {"Resources": {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "cfn-api"}},
    "Root": {"Type": "AWS::ApiGateway::Method", "Properties": {
        "RestApiId": {"Ref": "Api"}, "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "HttpMethod": "GET",
        "AuthorizationType": "NONE", "Integration": {"Type": "MOCK", "IntegrationHttpMethod": "POST", "Uri": ""}}},
    "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Root", "Properties": {"RestApiId": {"Ref": "Api"}}},
    "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "prod",
                                                               "DeploymentId": {"Ref": "Deployment"}}},
    "Validator": {"Type": "AWS::ApiGateway::RequestValidator", "Properties": {"RestApiId": {"Ref": "Api"}, "Name": "all",
                                                                            "ValidateRequestBody": True, "ValidateRequestParameters": True}},
}}


def test_cloudformation_stage_is_created(aws: EmbeddedAws) -> None:
    aws.client("cloudformation").create_stack(StackName="api", TemplateBody=json.dumps(STAGE_TEMPLATE))
    apigw = aws.client("apigateway")
    api = apigw.get_rest_apis()["items"][0]["id"]
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api)["item"]] == ["prod"]
    [validator] = apigw.get_request_validators(restApiId=api)["items"]
    assert (validator["name"], validator["validateRequestBody"], validator["validateRequestParameters"]) == ("all", True, True)


def test_without_stage_extension_the_stage_is_missing(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-apigateway"):
        aws.client("cloudformation").create_stack(StackName="api", TemplateBody=json.dumps(STAGE_TEMPLATE))
    apigw = aws.client("apigateway")
    assert apigw.get_stages(restApiId=apigw.get_rest_apis()["items"][0]["id"])["item"] == []


def _logging_template(account_role_service: str | None) -> dict:
    template = json.loads(json.dumps(STAGE_TEMPLATE))
    template["Resources"]["Stage"]["Properties"]["AccessLogSetting"] = {
        "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:api-access", "Format": "$context.requestId"}
    if account_role_service:
        template["Resources"]["LoggingRole"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": account_role_service},
                                                    "Action": "sts:AssumeRole"}]}}}
        template["Resources"]["Account"] = {"Type": "AWS::ApiGateway::Account",
                                            "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["LoggingRole", "Arn"]}}}
        template["Resources"]["Stage"]["DependsOn"] = "Account"
    return template


@pytest.mark.parametrize(("role_service", "failure"), [
    (None, "CloudWatch Logs role ARN must be set in account settings to enable logging"),
    ("lambda.amazonaws.com", "The role ARN does not have required permissions set to API Gateway"),
    ("apigateway.amazonaws.com", None),
], ids=["no-account-role", "role-not-for-api-gateway", "account-role-set"])
def test_a_stage_with_access_logs_needs_the_accounts_cloudwatch_role(aws: EmbeddedAws, role_service: str | None,
                                                                    failure: str | None) -> None:
    cfn, apigw = aws.client("cloudformation"), aws.client("apigateway")
    cfn.create_stack(StackName="logged", TemplateBody=json.dumps(_logging_template(role_service)))
    if failure:
        status, failed = stack_outcome(cfn, "logged")
        assert (status, [logical_id for logical_id, _ in failed]) == ("ROLLBACK_COMPLETE", ["Account" if role_service else "Stage"])
        assert failure in failed[0][1]
        assert apigw.get_rest_apis()["items"] == []  # rolled back
        return
    assert apigw.get_account()["cloudwatchRoleArn"].startswith("arn:aws:iam::123456789012:role/")
    assert [s["stageName"] for s in apigw.get_stages(restApiId=apigw.get_rest_apis()["items"][0]["id"])["item"]] == ["prod"]


AUTHORIZER = '''
def handler(event, context):
    token = event["authorizationToken"]
    if token == "Bearer bad":
        raise Exception("Unauthorized")
    if token == "Bearer broken":
        raise ValueError("bug")
    effect = "Deny" if token == "Bearer deny" else "Allow"
    resource = event["methodArn"] if token != "Bearer other-method" else event["methodArn"].rsplit("/", 1)[0] + "/elsewhere"
    return {"principalId": "alice", "context": {"subject": "alice", "level": 3},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}]}}
'''
CONTEXT_HANDLER = '''
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}
'''


def _token_api(aws: EmbeddedAws) -> str:
    iam, lam, apigw = aws.client("iam"), aws.client("lambda"), aws.client("apigateway")
    role = iam.create_role(RoleName="authz-fn", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    arns = {name: lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                                      Code={"ZipFile": zip_module({"app.py": source})})["FunctionArn"]
            for name, source in (("authorizer", AUTHORIZER), ("backend", CONTEXT_HANDLER))}
    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{}/invocations"
    api = apigw.create_rest_api(name="token")["id"]
    authorizer = apigw.create_authorizer(restApiId=api, name="jwt", type="TOKEN", authorizerUri=uri.format(arns["authorizer"]),
                                         identitySource="method.request.header.Authorization")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="url")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="CUSTOM", authorizerId=authorizer)
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="AWS_PROXY", integrationHttpMethod="POST",
                          uri=uri.format(arns["backend"]))
    apigw.create_deployment(restApiId=api, stageName="v1")
    return f"{aws.endpoint_url}/restapis/{api}/v1/_user_request_/url"


def test_token_authorizer_grants_the_method_and_passes_its_context(aws: EmbeddedAws) -> None:
    response = requests.post(_token_api(aws), headers={"Authorization": "Bearer good"}, timeout=30)
    assert (response.status_code, response.json()) == (200, {"principalId": "alice", "subject": "alice", "level": "3"})


@pytest.mark.parametrize(("header", "status", "body"), [
    (None, 401, {"message": "Unauthorized"}),
    ("Bearer bad", 401, {"message": "Unauthorized"}),
    ("Bearer deny", 403, {"Message": "User is not authorized to access this resource with an explicit deny"}),
    ("Bearer other-method", 403, {"Message": "User is not authorized to access this resource"}),
    ("Bearer broken", 500, {"message": None}),
])
def test_token_authorizer_refusals(aws: EmbeddedAws, header: str | None, status: int, body: dict) -> None:
    response = requests.post(_token_api(aws), headers={"Authorization": header} if header else {}, timeout=30)
    assert (response.status_code, response.json()) == (status, body)
