"""The Studio URL API deployed on the embedded AWS: JWT authorizer, the caller's own profile, real status codes."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from embedded_aws import EmbeddedAws
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.local.state import LocalState
from mlops_runtime.config import PlatformConfig
from mlops_runtime.studio.profiles import ProfileMapping, StudioProfile
from support import Platform

ISSUER, AUDIENCE = "https://login.example.com/realms/data", "studio-url-api"
#: The URL function's egress address: IAM fences its own CreatePresignedDomainUrl call with the allowed networks too.
EGRESS = "127.0.0.1/32"
KEY, OTHER_KEY = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))


def _token(key: Any = KEY, **claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 300, **claims}, key,
                      algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def studio(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> tuple[Platform, str, str]:
    embedded_server.reset()
    s3 = embedded_server.client("s3")
    s3.create_bucket(Bucket="issuer-keys")
    jwks = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "use": "sig", "alg": "RS256"}]}
    s3.put_object(Bucket="issuer-keys", Key="jwks.json", Body=json.dumps(jwks).encode())
    config = PlatformConfig(retain_data=False, studio_token_issuer=ISSUER, studio_token_audience=AUDIENCE,
                            studio_jwks_url=s3.generate_presigned_url("get_object", Params={"Bucket": "issuer-keys", "Key": "jwks.json"},
                                                                      ExpiresIn=3600),
                            studio_api_vpc_endpoint_ids=("vpce-0a1b2c3d4e5f60789",), studio_allowed_cidrs=("10.20.0.0/16", EGRESS))
    accounts = LocalAccounts(LocalState.from_dict(embedded_server.describe()))
    outputs = deploy_platform(accounts, config, synthesize(config, tmp_path_factory.mktemp("cdk")))[0].outputs
    sm = embedded_server.client("sagemaker")
    domain = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/ds"},
                              SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainArn"].rsplit("/", 1)[1]
    for name in ("ds-alice", "ds-bob"):
        sm.create_user_profile(DomainId=domain, UserProfileName=name)
    ProfileMapping(embedded_server.client("dynamodb"), outputs["StudioProfileTableName"]).assign(ISSUER, "alice", StudioProfile(domain, "ds-alice"))
    url = f"{embedded_server.endpoint_url}/restapis/{outputs['StudioUrlApiId']}/v1/_user_request_/studio/url"
    return Platform(embedded_server, accounts, outputs), domain, url


def _post(url: str, token: str | None, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    response = requests.post(url, headers={"Authorization": f"Bearer {token}"} if token else {}, json=body or {}, timeout=60)
    return response.status_code, response.json()


def test_a_valid_token_gets_a_short_url_for_its_own_profile(studio: tuple) -> None:
    _, domain, url = studio
    status, answer = _post(url, _token(), {"expires_in": 30})
    assert status == 200, answer
    assert (answer["user_profile_name"], answer["expires_in"]) == ("ds-alice", 30)
    assert answer["url"].startswith(f"https://{domain}.studio.us-east-1.sagemaker.aws/auth?token=")


def test_naming_another_profile_is_forbidden(studio: tuple) -> None:
    assert _post(studio[2], _token(), {"profile": "ds-bob"}) == (403, {"message": "you can only obtain a URL for your own Studio user profile"})


def test_an_unmapped_caller_is_forbidden(studio: tuple) -> None:
    assert _post(studio[2], _token(sub="mallory")) == (403, {"message": "no Studio user profile is assigned to you"})


def _unsigned() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    return f"{part({'alg': 'none', 'kid': 'k1'})}.{part({'iss': ISSUER, 'sub': 'alice', 'aud': AUDIENCE, 'iat': now, 'exp': now + 300})}."


@pytest.mark.parametrize("token", [
    None, "Bearer-less", _unsigned(),
    _token(exp=int(time.time()) - 5), _token(key=OTHER_KEY), _token(aud="another-app"), _token(iss="https://evil.example.com"),
], ids=["missing", "malformed", "alg-none", "expired", "wrong-key", "other-audience", "other-issuer"])
def test_bad_tokens_are_refused_with_401(studio: tuple, token: str | None) -> None:
    assert _post(studio[2], token) == (401, {"message": "Unauthorized"})


def test_the_url_function_is_fenced_to_the_allowed_networks(studio: tuple) -> None:
    platform = studio[0]
    iam = platform.aws.client("iam")
    role = next(r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("mlops-tooling-StudioUrlApiUrlRole"))
    documents = [iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
                 for name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]]
    [deny] = [s for d in documents for s in d["Statement"] if s.get("Sid") == "UrlsOnlyFromAllowedNetworks"]
    assert (deny["Effect"], deny["Action"], deny["Condition"]) == ("Deny", "sagemaker:CreatePresignedDomainUrl",
                                                                    {"NotIpAddress": {"aws:SourceIp": ["10.20.0.0/16", EGRESS]}})


def test_cli_assigns_a_profile_and_gets_the_url(studio: tuple, tmp_path_factory: pytest.TempPathFactory) -> None:
    from click.testing import CliRunner

    from mlops_platform.cli.main import cli
    from mlops_platform.local.state import save_state

    platform, domain, _ = studio
    state_dir = tmp_path_factory.mktemp("state")
    save_state(state_dir, LocalState.from_dict(platform.aws.describe()))

    def mlops(*args: str) -> Any:
        return CliRunner().invoke(cli, [*args, "--state-dir", str(state_dir)])

    assigned = mlops("studio", "assign", "--issuer", ISSUER, "--subject", "bob", "--domain-id", domain, "--user-profile", "ds-bob")
    assert assigned.exit_code == 0, assigned.stderr
    missing = mlops("studio", "assign", "--issuer", ISSUER, "--subject", "bob", "--domain-id", domain, "--user-profile", "ds-nobody")
    assert (missing.exit_code, missing.stderr) == (2, f"error: no user profile ds-nobody in domain {domain}: "
                                                      f"User profile ds-nobody not found in domain {domain}\n")
    answer = mlops("studio", "url", "--token", _token(sub="bob"), "--expires-in", "20", "--output", "json")
    assert answer.exit_code == 0, answer.stderr
    assert (json_of(answer)["user_profile_name"], json_of(answer)["expires_in"]) == ("ds-bob", 20)
    refused = mlops("studio", "url", "--token", _token(sub="bob"), "--user-profile", "ds-alice")
    assert (refused.exit_code, refused.stderr) == (1, "error: HTTP 403: you can only obtain a URL for your own Studio user profile\n")
    unauthorized = mlops("studio", "url", "--token", _token(key=OTHER_KEY, sub="bob"))
    assert (unauthorized.exit_code, unauthorized.stderr) == (1, "error: HTTP 401: Unauthorized\n")


def json_of(result: Any) -> dict[str, Any]:
    return json.loads(result.stdout)  # type: ignore[no-any-return]
