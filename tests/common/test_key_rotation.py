"""Rotating the token-signing key: during a rotation the earlier public keys
(`GOVHUB_JWT_PREVIOUS_PUBLIC_KEYS`) still verify the tokens they signed and are published in
the JWKS, which PyJWT (someone else's code) reads; without them, old tokens are refused."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.auth import TokenVerifier
from services.common.errors import Unauthorized
from services.common.keys import load_signing_key, published_jwks
from services.common.settings import GovhubSettings
from tests.common.tokens import mint


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def settings_with(tmp_path: Path, key: Ed25519PrivateKey, *previous: Ed25519PrivateKey):
    return GovhubSettings(
        environment="test",
        data_dir=tmp_path,
        jwt_private_key=private_pem(key),
        jwt_previous_public_keys=[public_pem(k) for k in previous],
    )


async def test_a_token_of_the_previous_key_verifies_during_the_rotation(tmp_path: Path) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    before = settings_with(tmp_path, old)
    old_token = mint(before)

    during = settings_with(tmp_path, new, old)
    verifier = TokenVerifier(during, load_signing_key(during))
    assert (await verifier.verify(old_token)).claims["sub"] == "u1"
    assert (await verifier.verify(mint(during))).claims["sub"] == "u1"

    after = settings_with(tmp_path, new)
    with pytest.raises(Unauthorized):
        await TokenVerifier(after, load_signing_key(after)).verify(old_token)


def test_the_jwks_publishes_the_signing_key_first_then_the_previous(tmp_path: Path) -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    during = settings_with(tmp_path, new, old)
    jwks = jwt.PyJWKSet.from_dict({"keys": published_jwks(during, load_signing_key(during))})
    assert [k.key_id for k in jwks.keys] == [
        load_signing_key(during).kid,
        load_signing_key(settings_with(tmp_path, old)).kid,
    ]
    old_token = mint(settings_with(tmp_path, old))
    kid = jwt.get_unverified_header(old_token)["kid"]
    key = next(k.key for k in jwks.keys if k.key_id == kid)
    assert jwt.decode(old_token, key, algorithms=["EdDSA"], audience="govhub")["sub"] == "u1"


def test_a_previous_key_that_is_not_ed25519_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        settings = settings_with(tmp_path, Ed25519PrivateKey.generate())
        settings.jwt_previous_public_keys.append(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        )
        load_signing_key(settings)
        published_jwks(settings, load_signing_key(settings))
