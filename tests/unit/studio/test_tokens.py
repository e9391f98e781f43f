"""TokenVerifier: only unexpired tokens signed by the issuer's keys, with pinned algorithms, for our audience."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mlops_runtime.studio.tokens import InvalidToken, TokenVerifier

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
CLIENT = "app-client-1"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = _key(), _key()


def _jwks(*pairs: tuple[str, rsa.RSAPrivateKey]) -> dict[str, Any]:
    keys = []
    for kid, key in pairs:
        entry = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        keys.append({**entry, "kid": kid, "use": "sig", "alg": "RS256"})
    return {"keys": keys}


class Jwks:
    """The issuer's key set; counts fetches."""

    def __init__(self, *pairs: tuple[str, rsa.RSAPrivateKey]) -> None:
        self.document, self.fetches = _jwks(*pairs), 0

    def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return self.document


def _token(key: Any = KEY, kid: str = "k1", alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "user-a", "aud": CLIENT, "token_use": "id", "iat": now, "exp": now + 300, **claims}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def _verifier(jwks: Jwks | None = None, token_use: str = "id", **kwargs: Any) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=CLIENT, token_use=token_use, jwks=jwks or Jwks(("k1", KEY)), **kwargs)


def test_a_valid_id_token_gives_its_claims() -> None:
    claims = _verifier().verify(_token())
    assert (claims["sub"], claims["aud"], claims["token_use"]) == ("user-a", CLIENT, "id")


@pytest.mark.parametrize(("token", "reason"), [
    (lambda: _token(exp=int(time.time()) - 1), "token expired"),
    (lambda: _token(key=OTHER_KEY), "signature does not verify"),
    (lambda: _token(aud="another-client"), "token is for another audience"),
    (lambda: _token(iss="https://evil.example.com"), "token is from another issuer"),
    (lambda: _token(token_use="access"), "token_use must be id"),
    (lambda: _token(kid="unknown"), "signing key not found"),
    (lambda: "not.a.jwt", "malformed token"),
])
def test_refused_tokens_name_the_reason(token: Any, reason: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        _verifier().verify(token())
    assert str(refused.value) == reason


def test_alg_none_is_refused() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "k1"}).encode()).rstrip(b"=").decode()
    now = int(time.time())
    body = base64.urlsafe_b64encode(json.dumps({"iss": ISSUER, "sub": "user-a", "aud": CLIENT, "token_use": "id",
                                                "iat": now, "exp": now + 300}).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="^algorithm 'none' is not accepted$"):
        _verifier().verify(f"{header}.{body}.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import serialization

    public_pem = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    signing_input = (_b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode()) + "."
                     + _b64(json.dumps({"iss": ISSUER, "sub": "user-a", "aud": CLIENT, "token_use": "id", "iat": now,
                                        "exp": now + 300}).encode()))
    forged = signing_input + "." + _b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    with pytest.raises(InvalidToken, match="^algorithm 'HS256' is not accepted$"):
        _verifier().verify(forged)


def test_access_tokens_carry_the_client_in_client_id() -> None:
    verifier = _verifier(token_use="access")
    claims = verifier.verify(_token(token_use="access", aud=None, client_id=CLIENT))
    assert claims["client_id"] == CLIENT
    with pytest.raises(InvalidToken, match="^token is for another audience$"):
        verifier.verify(_token(token_use="access", aud=None, client_id="other"))


def test_a_rotated_key_is_fetched_once_and_refreshes_are_throttled() -> None:
    jwks, now = Jwks(("k1", KEY)), [0.0]
    verifier = _verifier(jwks, clock=lambda: now[0], min_refresh_seconds=60)
    verifier.verify(_token())
    jwks.document = _jwks(("k1", KEY), ("k2", OTHER_KEY))
    now[0] = 61.0
    assert verifier.verify(_token(key=OTHER_KEY, kid="k2"))["sub"] == "user-a"
    assert jwks.fetches == 2
    with pytest.raises(InvalidToken, match="^signing key not found$"):
        verifier.verify(_token(kid="k3"))  # within 60 s of the last fetch: no new fetch
    assert jwks.fetches == 2


def test_symmetric_algorithms_cannot_be_pinned() -> None:
    with pytest.raises(ValueError, match="only asymmetric algorithms may be pinned, got HS256"):
        _verifier(algorithms=("HS256",))
