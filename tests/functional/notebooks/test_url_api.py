"""The notebook URL API on the embedded AWS: SigV4 callers get their own notebook's URL, nobody else's."""

from __future__ import annotations

import json

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mlops_runtime.notebooks.requests import NotebookRequest
from support import Platform, assume_as_user, wait_for


@pytest.fixture(scope="module")
def api(platform: Platform) -> str:
    platform.service.request(NotebookRequest(user="ana", request_id="api-ana"))
    return f"{platform.aws.endpoint_url}/restapis/{platform.outputs['NotebookUrlApiId']}/v1/_user_request_/notebooks/url"


@pytest.fixture(scope="module")
def keys(platform: Platform) -> dict[str, tuple[str, str]]:
    iam = platform.client("iam")
    created = {}
    for user in ("ana", "bob"):
        key = iam.create_access_key(UserName=user)["AccessKey"]
        created[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    return created


def call(method: str, url: str, key: tuple[str, ...] | None) -> requests.Response:
    """The request signed with an access key pair, or a role session's key, secret and token."""
    request = AWSRequest(method=method, url=url)
    if key:
        SigV4Auth(Credentials(*key), "execute-api", "us-east-1").add_auth(request)
    return requests.request(method, url, headers=dict(request.headers), timeout=60)


def test_owner_reads_their_stored_url_while_it_can_still_be_opened(platform: Platform, api: str, keys: dict) -> None:
    import datetime

    response = call("GET", api, keys["ana"])
    assert response.status_code == 200
    answer = response.json()
    stored = platform.client("ssm").get_parameter(Name="/SageMaker/Notebooks/ana-Notebook", WithDecryption=True)["Parameter"]
    assert {k: answer[k] for k in ("user", "notebook", "url", "session_seconds")} == {
        "user": "ana", "notebook": "ana-Notebook", "url": stored["Value"], "session_seconds": 43200}
    issued, expires = (datetime.datetime.fromisoformat(answer[k]) for k in ("issued_at", "expires_at"))
    assert expires - issued == datetime.timedelta(minutes=5)  # SageMaker accepts a presigned notebook URL for 5 minutes
    assert abs((issued - stored["LastModifiedDate"]).total_seconds()) < 1


def test_owner_refreshes_and_the_parameter_follows(platform: Platform, api: str, keys: dict) -> None:
    before = platform.service.url("ana").url
    response = call("POST", api, keys["ana"])
    assert response.status_code == 200
    assert response.json()["url"] != before and platform.service.url("ana").url == response.json()["url"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_user_can_never_get_the_owners_url(platform: Platform, api: str, keys: dict, method: str) -> None:
    stored = platform.service.url("ana").url
    named = call(method, f"{api}?user=ana", keys["bob"])
    assert (named.status_code, named.json()) == (403, {"message": "you can only obtain the URL of your own notebook"})
    own = call(method, api, keys["bob"])  # bob has no notebook: his own request cannot reach ana's
    assert (own.status_code, own.json()) == (404, {"message": "bob has no notebook"})
    assert platform.service.url("ana").url == stored


def test_unsigned_and_non_analyst_callers_are_refused(platform: Platform, api: str) -> None:
    assert (call("GET", api, None).status_code, call("GET", api, None).json()) == (403, {"message": "Missing Authentication Token"})
    admin = platform.aws.credentials["staging"]
    assert call("GET", api, (admin.access_key_id, admin.secret_access_key)).json() == {"message": "embedded-admin has no notebook"}
    role = platform.client("sts").assume_role(RoleArn="arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", RoleSessionName="x1")
    creds = role["Credentials"]
    response = call("GET", api, (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))
    assert (response.status_code, response.json()) == (403, {"message": "only analysts (IAM users or the analyst persona) have notebooks"})


def _session(platform: Platform, role_name: str, session: str) -> tuple[str, str, str]:
    iam = platform.client("iam")
    try:
        iam.get_role(RoleName=role_name)
    except iam.exceptions.NoSuchEntityException:  # as the environment creates it: the account's people, the session their name
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}}]}))
    creds = assume_as_user(platform.aws, session, f"arn:aws:iam::123456789012:role/{role_name}")
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def test_a_session_of_the_analyst_persona_is_its_user_and_no_other_role_is(platform: Platform, api: str) -> None:
    persona = call("GET", api, _session(platform, "mlops-analyst", "ana"))
    assert persona.status_code == 200
    assert {k: persona.json()[k] for k in ("user", "notebook", "url")} == {"user": "ana", "notebook": "ana-Notebook",
                                                                         "url": platform.service.url("ana").url}
    other = call("GET", api, _session(platform, "mlops-data-scientist", "ana"))  # same session name, another role
    assert (other.status_code, other.json()) == (403, {"message": "only analysts (IAM users or the analyst persona) have notebooks"})


def test_refresh_of_a_stopped_notebook_is_a_conflict(platform: Platform, api: str, keys: dict) -> None:
    platform.service.stop("ana")
    wait_for(lambda: platform.service.status("ana")["status"] == "STOPPED", timeout=15)
    response = call("POST", api, keys["ana"])
    assert (response.status_code, response.json()) == (409, {"message": "ana-Notebook is STOPPED; start it before refreshing its URL"})


def test_analysts_may_invoke_only_the_url_methods(platform: Platform) -> None:
    import json

    iam = platform.client("iam")
    group = platform.outputs["AnalystsGroupName"]
    documents = [iam.get_group_policy(GroupName=group, PolicyName=name)["PolicyDocument"]
                 for name in iam.list_group_policies(GroupName=group)["PolicyNames"]]
    statements = [s for d in documents for s in (json.loads(d) if isinstance(d, str) else d)["Statement"]]
    invoke = next(s for s in statements if s.get("Sid") == "CallNotebookUrlApi")
    api_id = platform.outputs["NotebookUrlApiId"]
    assert sorted(invoke["Resource"]) == [f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/v1/GET/notebooks/url",
                                          f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/v1/POST/notebooks/url"]
    url_read = next(s for s in statements if s.get("Sid") == "OwnNotebookUrlOnly")
    assert url_read["Resource"] == "arn:aws:ssm:us-east-1:123456789012:parameter/SageMaker/Notebooks/${aws:username}-Notebook"
