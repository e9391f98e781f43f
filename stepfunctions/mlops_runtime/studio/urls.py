"""The Studio URL service: the verified caller gets a short-lived presigned URL for their own profile only."""

from __future__ import annotations

from typing import Any

from mlops_runtime.errors import ApiError
from mlops_runtime.studio.profiles import ProfileMapping

#: SageMaker's bounds for ExpiresInSeconds (how long the URL itself can be used to sign in).
MIN_EXPIRES, MAX_EXPIRES = 5, 300
DEFAULT_EXPIRES = 60
SESSION_SECONDS = 43200


def studio_url(sagemaker: Any, mapping: ProfileMapping, claims: dict[str, Any], requested_profile: str | None = None,
               expires_in: int = DEFAULT_EXPIRES, session_seconds: int = SESSION_SECONDS) -> dict[str, Any]:
    """Presigned URL for the caller's mapped profile; 403 when unmapped or when another profile is named."""
    if not MIN_EXPIRES <= expires_in <= MAX_EXPIRES:
        raise ApiError(400, f"expires_in must be {MIN_EXPIRES}-{MAX_EXPIRES} seconds, got {expires_in}")
    profile = mapping.profile_for(claims)
    if profile is None:
        raise ApiError(403, "no Studio user profile is assigned to you")
    if requested_profile not in (None, "", profile.user_profile_name):
        raise ApiError(403, "you can only obtain a URL for your own Studio user profile")
    answer = sagemaker.create_presigned_domain_url(DomainId=profile.domain_id, UserProfileName=profile.user_profile_name,
                                                   ExpiresInSeconds=expires_in, SessionExpirationDurationInSeconds=session_seconds)
    return {"url": answer["AuthorizedUrl"], "domain_id": profile.domain_id, "user_profile_name": profile.user_profile_name,
            "expires_in": expires_in}
