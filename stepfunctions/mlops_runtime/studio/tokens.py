"""JWT verification for the Studio URL API: signature, pinned algorithms, issuer, audience, expiry, key rotation.

Works with a Cognito user pool (``token_use`` ``id`` or ``access``; access tokens carry the app client in
``client_id`` instead of ``aud``) and with any OIDC issuer publishing a JWKS. The algorithms are pinned
by the verifier, never taken from the token, so ``alg: none`` and HS256-with-the-public-key forgeries are
refused. An unknown ``kid`` refreshes the key set once (rotation), at most every ``min_refresh_seconds``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from jwt import PyJWK

DEFAULT_ALGORITHMS = ("RS256",)
ASYMMETRIC = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}


class InvalidToken(Exception):
    """The token is refused (HTTP 401); the message says why, without echoing the token."""


def fetch_jwks(url: str, timeout: float = 5.0) -> dict[str, Any]:
    """The issuer's JSON Web Key Set (https; plain http only on this machine, for the embedded AWS)."""
    if not url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
        raise ValueError(f"JWKS URL must be https: {url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - https (or loopback) only, checked above
        return json.loads(response.read())


@dataclass
class TokenVerifier:
    """Verifies tokens of one issuer for one audience (app client)."""

    issuer: str
    audience: str
    jwks: Callable[[], dict[str, Any]]
    token_use: str | None = None
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: int = 0
    min_refresh_seconds: float = 60.0
    #: time source of the key-refresh throttle (expiry is checked by PyJWT against the real clock)
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, PyJWK] = field(default_factory=dict, init=False, repr=False)
    _fetched_at: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        weak = set(self.algorithms) - ASYMMETRIC
        if weak or not self.algorithms:
            raise ValueError(f"only asymmetric algorithms may be pinned, got {', '.join(sorted(weak)) or 'none'}")
        if self.token_use not in (None, "id", "access"):
            raise ValueError(f"token_use must be id or access, got {self.token_use!r}")

    @classmethod
    def for_cognito(cls, region: str, user_pool_id: str, client_id: str, token_use: str = "id", **kwargs: Any) -> TokenVerifier:
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        return cls(issuer=issuer, audience=client_id, token_use=token_use,
                   jwks=lambda: fetch_jwks(f"{issuer}/.well-known/jwks.json"), **kwargs)

    def _refresh(self) -> None:
        now = self.clock()
        if self._fetched_at is not None and now - self._fetched_at < self.min_refresh_seconds:
            return
        keys = {}
        for entry in self.jwks().get("keys", []):
            if entry.get("kid") and entry.get("use", "sig") == "sig":
                try:
                    keys[entry["kid"]] = PyJWK.from_dict(entry)
                except jwt.PyJWTError:
                    continue  # a key type this verifier cannot use is skipped, not fatal
        self._keys, self._fetched_at = keys, now

    def _key(self, kid: str) -> PyJWK:
        if kid not in self._keys:
            self._refresh()
        if kid not in self._keys:
            raise InvalidToken("signing key not found")
        return self._keys[kid]

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; :class:`InvalidToken` for anything not issued for this audience and still valid."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") not in self.algorithms:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        key = self._key(str(header.get("kid", "")))
        use_client_id = self.token_use == "access"
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key=key.key, algorithms=list(self.algorithms), issuer=self.issuer,
                audience=None if use_client_id else self.audience, leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": not use_client_id})
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("token is from another issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"token refused: {exc}") from exc
        if use_client_id and claims.get("client_id") != self.audience:
            raise InvalidToken("token is for another audience")
        if self.token_use and claims.get("token_use") != self.token_use:
            raise InvalidToken(f"token_use must be {self.token_use}")
        return claims


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; :class:`InvalidToken` otherwise."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("expected Authorization: Bearer <token>")
    return token.strip()


def allow_policy(principal: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    """A Lambda authorizer's answer: invoke this one method, with ``context`` passed to the integration."""
    return {"principalId": principal, "context": context,
            "policyDocument": {"Version": "2012-10-17",
                               "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": method_arn}]}}
