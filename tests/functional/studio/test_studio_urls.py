"""Studio URL service on the embedded AWS: a caller's URL is for their mapped profile only."""

from __future__ import annotations

import pytest

from embedded_aws import EmbeddedAws
from mlops_runtime.errors import ApiError
from mlops_runtime.studio.profiles import ProfileMapping, StudioProfile
from mlops_runtime.studio.urls import studio_url

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
ALICE = {"iss": ISSUER, "sub": "0f1c-alice", "email": "ana@example.com"}


@pytest.fixture
def studio(aws: EmbeddedAws) -> tuple[object, ProfileMapping, str]:
    sm, ddb = aws.client("sagemaker"), aws.client("dynamodb")
    domain = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/ds"},
                              SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainArn"].rsplit("/", 1)[1]
    for name in ("data-scientist-ana", "data-scientist-bo"):
        sm.create_user_profile(DomainId=domain, UserProfileName=name)
    ddb.create_table(TableName="studio-profiles", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "subject", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "subject", "AttributeType": "S"}])
    mapping = ProfileMapping(ddb, "studio-profiles")
    mapping.assign(ISSUER, "0f1c-alice", StudioProfile(domain, "data-scientist-ana"))
    return sm, mapping, domain


def test_the_caller_gets_a_short_url_for_their_mapped_profile(studio: tuple) -> None:
    sm, mapping, domain = studio
    answer = studio_url(sm, mapping, ALICE, expires_in=30)
    assert (answer["user_profile_name"], answer["domain_id"], answer["expires_in"]) == ("data-scientist-ana", domain, 30)
    assert answer["url"].startswith(f"https://{domain}.studio.us-east-1.sagemaker.aws/auth?token=")


def test_naming_another_profile_is_forbidden(studio: tuple) -> None:
    sm, mapping, _ = studio
    with pytest.raises(ApiError) as refused:
        studio_url(sm, mapping, ALICE, requested_profile="data-scientist-bo")
    assert (refused.value.status, refused.value.message) == (403, "you can only obtain a URL for your own Studio user profile")


def test_same_subject_from_another_issuer_is_not_mapped(studio: tuple) -> None:
    sm, mapping, _ = studio
    with pytest.raises(ApiError) as refused:
        studio_url(sm, mapping, {**ALICE, "iss": "https://login.example.com"})
    assert (refused.value.status, refused.value.message) == (403, "no Studio user profile is assigned to you")


def test_expiry_outside_sagemakers_bounds_is_a_bad_request(studio: tuple) -> None:
    sm, mapping, _ = studio
    with pytest.raises(ApiError) as refused:
        studio_url(sm, mapping, ALICE, expires_in=3600)
    assert (refused.value.status, refused.value.message) == (400, "expires_in must be 5-300 seconds, got 3600")
