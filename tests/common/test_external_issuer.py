"""Tokens of a ministry's own OpenID Connect issuer are accepted when configured."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.common.auth import TokenVerifier
from services.common.errors import Unauthorized
from services.common.keys import load_signing_key
from services.common.settings import GovhubSettings

ISSUER = "https://sso.ministry.example"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sso(monkeypatch):
    """The issuer's JWKS, served by an in-process transport (no network)."""
    key = rsa_key()
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [jwk | {"kid": "sso-1", "alg": "RS256", "use": "sig"}]}
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(200, json=jwks)

    real_client = httpx.AsyncClient
    monkeypatch.setattr(
        httpx,
        "AsyncClient",
        lambda **kw: real_client(transport=httpx.MockTransport(handler), **kw),
    )
    return key, fetched


def token(key, *, kid="sso-1", iss=ISSUER, aud="govhub-api"):
    now = int(time.time())
    claims = {
        "iss": iss,
        "aud": aud,
        "sub": "national-id-sso-user",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "org": str(uuid.uuid4()),
        "roles": ["coordinator"],
        "preferred_username": "m.alqahtani",
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_external_issuer_tokens_verify(sso, data_dir):
    key, fetched = sso
    settings = GovhubSettings(
        data_dir=data_dir,
        oidc_issuer=ISSUER,
        oidc_audience="govhub-api",
        oidc_jwks_url=f"{ISSUER}/jwks",
    )
    verifier = TokenVerifier(settings, load_signing_key(settings))
    principal = await verifier.verify(token(key))
    assert principal.subject == "national-id-sso-user"
    assert principal.roles == frozenset({"coordinator"})
    assert fetched == [f"{ISSUER}/jwks"]

    with pytest.raises(Unauthorized):  # signed by someone else
        await verifier.verify(token(rsa_key()))
    with pytest.raises(Unauthorized):  # meant for another audience
        await verifier.verify(token(key, aud="someone-else"))


async def test_external_issuer_is_refused_when_not_configured(sso, data_dir):
    key, fetched = sso
    settings = GovhubSettings(data_dir=data_dir)
    verifier = TokenVerifier(settings, load_signing_key(settings))
    with pytest.raises(Unauthorized):
        await verifier.verify(token(key))
    assert fetched == []
