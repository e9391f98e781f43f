"""Studio user profiles and presigned domain URLs.

moto 5.2.5 creates Studio domains but has no user profiles and no CreatePresignedDomainUrl. Here, as in
SageMaker: a profile belongs to an existing domain (ResourceNotFound otherwise, ResourceInUse for a
duplicate) and is ``InService``; CreatePresignedDomainUrl requires that profile, checks
``ExpiresInSeconds`` (5–300) and ``SessionExpirationDurationInSeconds`` (1800–43200) and answers a
one-time sign-in URL of the domain. Each issued URL is kept (domain, profile, expiry) so a test can see
what was issued for whom.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from embedded_aws.extensions.base import Extension, Patcher

EXPIRES_SECONDS = (5, 300)
SESSION_SECONDS = (1800, 43200)


def _profiles(backend: SageMakerModelBackend) -> dict[tuple[str, str], dict[str, Any]]:
    if not hasattr(backend, "studio_user_profiles"):
        backend.studio_user_profiles = {}
    return backend.studio_user_profiles


def issued_urls(backend: SageMakerModelBackend) -> list[dict[str, Any]]:
    """The presigned URLs issued so far: domain, profile, URL and when it stops working."""
    if not hasattr(backend, "studio_issued_urls"):
        backend.studio_issued_urls = []
    return backend.studio_issued_urls


def _domain(backend: SageMakerModelBackend, domain_id: str) -> Any:
    domain = backend.domains.get(domain_id)
    if domain is None:
        raise ResourceNotFound(message=f"Domain {domain_id} not found")
    return domain


def _profile(backend: SageMakerModelBackend, domain_id: str, name: str) -> dict[str, Any]:
    _domain(backend, domain_id)
    profile = _profiles(backend).get((domain_id, name))
    if profile is None:
        raise ResourceNotFound(message=f"User profile {name} not found in domain {domain_id}")
    return profile


def _in_range(name: str, value: int, bounds: tuple[int, int]) -> None:
    if not bounds[0] <= value <= bounds[1]:
        raise ValidationError(message=f"Value '{value}' at '{name}' failed to satisfy constraint: "
                                      f"Member must have value between {bounds[0]} and {bounds[1]}")


class _Api:
    @staticmethod
    def create_user_profile(self: Any) -> ActionResult:
        backend, domain_id, name = self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName")
        _domain(backend, domain_id)
        if (domain_id, name) in _profiles(backend):
            raise ResourceInUseException(message=f"User profile {name} already exists in domain {domain_id}")
        arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:user-profile/{domain_id}/{name}"
        now = utcnow()
        _profiles(backend)[(domain_id, name)] = {
            "DomainId": domain_id, "UserProfileArn": arn, "UserProfileName": name, "Status": "InService",
            "CreationTime": now, "LastModifiedTime": now, "UserSettings": self._get_param("UserSettings") or {},
            "SingleSignOnUserIdentifier": self._get_param("SingleSignOnUserIdentifier"),
            "SingleSignOnUserValue": self._get_param("SingleSignOnUserValue")}
        return ActionResult({"UserProfileArn": arn})

    @staticmethod
    def describe_user_profile(self: Any) -> ActionResult:
        profile = _profile(self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName"))
        return ActionResult({k: v for k, v in profile.items() if v is not None})

    @staticmethod
    def list_user_profiles(self: Any) -> ActionResult:
        domain_id = self._get_param("DomainIdEquals")
        summaries = [{k: p[k] for k in ("DomainId", "UserProfileName", "Status", "CreationTime", "LastModifiedTime")}
                     for (domain, _), p in sorted(_profiles(self.sagemaker_backend).items()) if domain_id in (None, domain)]
        return ActionResult({"UserProfiles": summaries})

    @staticmethod
    def delete_user_profile(self: Any) -> EmptyResult:
        backend, domain_id, name = self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName")
        _profile(backend, domain_id, name)
        del _profiles(backend)[(domain_id, name)]
        return EmptyResult()

    @staticmethod
    def create_presigned_domain_url(self: Any) -> ActionResult:
        backend, domain_id, name = self.sagemaker_backend, self._get_param("DomainId"), self._get_param("UserProfileName")
        expires = int(self._get_param("ExpiresInSeconds") or 300)
        session = int(self._get_param("SessionExpirationDurationInSeconds") or 43200)
        _in_range("expiresInSeconds", expires, EXPIRES_SECONDS)
        _in_range("sessionExpirationDurationInSeconds", session, SESSION_SECONDS)
        profile = _profile(backend, domain_id, name)
        if profile["Status"] != "InService":
            raise ValidationError(message=f"User profile {name} is {profile['Status']}")
        url = f"https://{domain_id}.studio.{backend.region_name}.sagemaker.aws/auth?token={secrets.token_urlsafe(32)}"
        issued_urls(backend).append({"DomainId": domain_id, "UserProfileName": name, "AuthorizedUrl": url,
                                     "ValidUntil": time.time() + expires, "SessionSeconds": session})
        return ActionResult({"AuthorizedUrl": url})


class StudioProfiles(Extension):
    name = "sagemaker-studio"
    summary = "Studio user profiles (create/describe/list/delete) and CreatePresignedDomainUrl for an existing profile with checked expiries"

    def install(self, patcher: Patcher) -> None:
        patcher.replace_methods(SageMakerResponse, _Api)
