"""``mlops studio ...``: map callers to their Studio user profile, and get a Studio URL through the JWT API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import click

from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.options import deployed_platform, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option
from mlops_runtime.errors import ConfigError, MlopsError
from mlops_runtime.studio.profiles import ProfileMapping, StudioProfile

TOKEN_ENV = "MLOPS_STUDIO_TOKEN"


@click.group()
def studio() -> None:
    """Studio access: the caller's own user profile only, through the private JWT-authorized URL API."""


def _studio_api(project: str, target: dict[str, Any]) -> tuple[Any, str, str]:
    """Clients, the Studio URL API's id and its profile table (created together)."""
    accounts, outputs = deployed_platform(project, target, needs="studio_url_api_id", feature="Studio URL API (set studio_token_issuer)")
    assert outputs.studio_url_api_id and outputs.studio_profile_table_name
    return accounts, outputs.studio_url_api_id, outputs.studio_profile_table_name


def api_base(accounts: Any, api_id: str) -> str:
    """Where the API answers: the embedded AWS's execute path, or the private API's DNS name (inside the VPC)."""
    if isinstance(accounts, LocalAccounts):
        return f"{accounts.state.endpoint_url}/restapis/{api_id}/v1/_user_request_"
    return f"https://{api_id}.execute-api.{accounts.region}.amazonaws.com/v1"


@studio.command("assign")
@click.option("--issuer", required=True, help="The token issuer (iss claim).")
@click.option("--subject", required=True, help="The caller's sub claim.")
@click.option("--domain-id", required=True)
@click.option("--user-profile", "profile_name", required=True, help="The Studio user profile the caller may open.")
@target_options
@project_option
@output_option
def assign(issuer: str, subject: str, domain_id: str, profile_name: str, project: str, output: str, **target: Any) -> None:
    """Let the caller (issuer + subject) open exactly this user profile."""
    accounts, api_id, profile_table = _studio_api(project, target)
    sagemaker = accounts.client("sagemaker")
    try:
        sagemaker.describe_user_profile(DomainId=domain_id, UserProfileName=profile_name)
    except sagemaker.exceptions.ClientError as exc:
        raise ConfigError(f"no user profile {profile_name} in domain {domain_id}: {exc.response['Error']['Message']}") from exc
    ProfileMapping(accounts.client("dynamodb"), profile_table).assign(issuer, subject, StudioProfile(domain_id, profile_name))
    result = {"subject": f"{issuer}#{subject}", "domain_id": domain_id, "user_profile_name": profile_name}
    if output == "json":
        emit_json(result)
    else:
        console.print(f"{issuer}#{subject} → {domain_id}/{profile_name}")


@studio.command("url")
@click.option("--token", envvar=TOKEN_ENV, required=True, help=f"The caller's JWT (default: ${TOKEN_ENV}).")
@click.option("--user-profile", "profile_name", help="Expected user profile (refused unless it is the caller's own).")
@click.option("--expires-in", type=click.IntRange(5, 300), default=60, show_default=True, help="Seconds the URL can be used to sign in.")
@target_options
@project_option
@output_option
def url(token: str, profile_name: str | None, expires_in: int, project: str, output: str, **target: Any) -> None:
    """A presigned Studio URL for the token's owner, from the private URL API."""
    accounts, api_id, profile_table = _studio_api(project, target)
    body = {"expires_in": expires_in, **({"profile": profile_name} if profile_name else {})}
    endpoint = f"{api_base(accounts, api_id)}/studio/url"
    request = urllib.request.Request(endpoint, data=json.dumps(body).encode(),  # noqa: S310 - the platform's own API URL
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the platform's own API
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        message = json.loads(exc.read() or b"{}")
        raise MlopsError(f"HTTP {exc.code}: {message.get('message') or message.get('Message') or exc.reason}") from exc
    if output == "json":
        emit_json(answer)
    else:
        console.print(f"{answer['user_profile_name']} (domain {answer['domain_id']}), sign in within {answer['expires_in']} s:")
        console.print(answer["url"], soft_wrap=True)
