"""Studio URL API handlers: the TOKEN authorizer (401 for any bad token) and the URL Lambda (caller's own profile)."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from embedded_aws import EmbeddedAws
from mlops_runtime.handlers import studio_authorizer, studio_url_api
from mlops_runtime.studio.profiles import ProfileMapping, StudioProfile
from mlops_runtime.studio.tokens import TokenVerifier

ISSUER, AUDIENCE = "https://login.example.com", "studio-url-api"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
METHOD = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/studio/url"


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "f", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"


def _token(**claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 300, **claims}, KEY,
                      algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(autouse=True)
def issuer_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    jwks = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "use": "sig"}]}
    monkeypatch.setattr(studio_authorizer, "verifier", lambda: TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=lambda: jwks))


def _authorize(header: str | None) -> dict[str, Any]:
    return studio_authorizer.handler({"type": "TOKEN", "authorizationToken": header, "methodArn": METHOD}, Context())


def test_a_valid_token_is_allowed_this_method_with_the_caller_as_context() -> None:
    answer = _authorize(f"Bearer {_token()}")
    assert answer == {"principalId": "alice", "context": {"issuer": ISSUER, "subject": "alice"},
                      "policyDocument": {"Version": "2012-10-17",
                                         "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": METHOD}]}}


@pytest.mark.parametrize("header", [None, "Basic x", "Bearer ", f"Bearer {_token(aud='other')}",
                                    f"Bearer {_token(exp=int(time.time()) - 10)}"])
def test_anything_else_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Exception, match="^Unauthorized$"):
        _authorize(header)


@pytest.fixture
def url_api(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> str:
    sm, ddb = aws.client("sagemaker"), aws.client("dynamodb")
    domain = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/ds"},
                              SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainArn"].rsplit("/", 1)[1]
    for name in ("ds-alice", "ds-bob"):
        sm.create_user_profile(DomainId=domain, UserProfileName=name)
    ddb.create_table(TableName="profiles", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "subject", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "subject", "AttributeType": "S"}])
    ProfileMapping(ddb, "profiles").assign(ISSUER, "alice", StudioProfile(domain, "ds-alice"))
    monkeypatch.setenv("PROFILE_TABLE", "profiles")
    monkeypatch.setattr(studio_url_api, "client", lambda name: aws.client(name))
    return domain


def _call(body: Any, authorizer: dict[str, str] | None = None) -> dict[str, Any]:
    event = {"resource": "/studio/url", "path": "/studio/url", "httpMethod": "POST", "headers": {"Content-Type": "application/json"},
             "body": body if isinstance(body, str) else json.dumps(body), "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/studio/url", "httpMethod": "POST", "stage": "prod",
                                "authorizer": authorizer if authorizer is not None else {"issuer": ISSUER, "subject": "alice", "principalId": "alice"}}}
    answer = studio_url_api.handler(event, Context())
    return {"status": answer["statusCode"], **json.loads(answer["body"])}


def test_the_url_is_for_the_callers_own_profile(url_api: str) -> None:
    answer = _call({"expires_in": 30})
    assert (answer["status"], answer["user_profile_name"], answer["expires_in"]) == (200, "ds-alice", 30)
    assert answer["url"].startswith(f"https://{url_api}.studio.us-east-1.sagemaker.aws/auth?token=")


@pytest.mark.parametrize(("body", "authorizer", "status", "message"), [
    ({"profile": "ds-bob"}, None, 403, "you can only obtain a URL for your own Studio user profile"),
    ({}, {"issuer": ISSUER, "subject": "mallory"}, 403, "no Studio user profile is assigned to you"),
    ({}, {}, 401, "Unauthorized"),
    ({"expires_in": 900}, None, 400, "expires_in must be 5-300 seconds, got 900"),
    ("not json", None, 400, "the body must be a JSON object"),
])
def test_refusals_have_real_status_codes(url_api: str, body: Any, authorizer: dict | None, status: int, message: str) -> None:
    assert _call(body, authorizer) == {"status": status, "message": message}
