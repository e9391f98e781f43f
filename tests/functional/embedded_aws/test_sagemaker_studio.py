"""Extension sagemaker-studio: user profiles of a domain and presigned domain URLs for them only."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import server_error


@pytest.fixture
def domain(aws: EmbeddedAws) -> str:
    sm = aws.client("sagemaker")
    arn = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/ds"},
                           SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainArn"]
    return arn.rsplit("/", 1)[1]


def _error(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_profiles_belong_to_a_domain(aws: EmbeddedAws, domain: str) -> None:
    sm = aws.client("sagemaker")
    arn = sm.create_user_profile(DomainId=domain, UserProfileName="ana")["UserProfileArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:user-profile/{domain}/ana"
    described = sm.describe_user_profile(DomainId=domain, UserProfileName="ana")
    assert (described["Status"], described["UserProfileArn"]) == ("InService", arn)
    assert [p["UserProfileName"] for p in sm.list_user_profiles(DomainIdEquals=domain)["UserProfiles"]] == ["ana"]
    assert _error(lambda: sm.create_user_profile(DomainId=domain, UserProfileName="ana"))[0] == "ResourceInUse"
    assert _error(lambda: sm.create_user_profile(DomainId="d-missing", UserProfileName="bo")) == ("ResourceNotFound", "Domain d-missing not found")
    sm.delete_user_profile(DomainId=domain, UserProfileName="ana")
    assert _error(lambda: sm.describe_user_profile(DomainId=domain, UserProfileName="ana")) == (
        "ResourceNotFound", f"User profile ana not found in domain {domain}")


def test_presigned_url_for_an_existing_profile_with_checked_expiry(aws: EmbeddedAws, domain: str) -> None:
    from moto.sagemaker.models import sagemaker_backends

    from embedded_aws.extensions.sagemaker_studio import issued_urls

    sm = aws.client("sagemaker")
    sm.create_user_profile(DomainId=domain, UserProfileName="ana")
    url = sm.create_presigned_domain_url(DomainId=domain, UserProfileName="ana", ExpiresInSeconds=60)["AuthorizedUrl"]
    assert url.startswith(f"https://{domain}.studio.us-east-1.sagemaker.aws/auth?token=")
    [issued] = issued_urls(sagemaker_backends["123456789012"]["us-east-1"])
    assert (issued["UserProfileName"], issued["AuthorizedUrl"]) == ("ana", url)
    assert _error(lambda: sm.create_presigned_domain_url(DomainId=domain, UserProfileName="bo")) == (
        "ResourceNotFound", f"User profile bo not found in domain {domain}")
    code, message = _error(lambda: sm.create_presigned_domain_url(DomainId=domain, UserProfileName="ana", ExpiresInSeconds=600))
    assert (code, message) == ("ValidationException", "Value '600' at 'expiresInSeconds' failed to satisfy constraint: "
                                                      "Member must have value between 5 and 300")


def test_without_the_extension_there_are_no_profiles(aws: EmbeddedAws, domain: str) -> None:
    with extensions.disabled("sagemaker-studio"), server_error():
        aws.client("sagemaker").create_user_profile(DomainId=domain, UserProfileName="ana")
