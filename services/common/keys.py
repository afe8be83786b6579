"""The key that signs access tokens: Ed25519, generated once into the data dir (mode 0600)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.common.settings import GovhubSettings


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def derived_secret(self, purpose: bytes) -> bytes:
        """A secret for another purpose, derived from the private key (never the key itself)."""
        raw = self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return hmac.new(raw, purpose, hashlib.sha256).digest()

    def jwk(self) -> dict[str, Any]:
        return public_jwk(self.kid, self.public_key)


def public_jwk(kid: str, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The public key as a JWK (RFC 8037, OKP Ed25519)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}


def kid_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _kid_for(key: Ed25519PrivateKey) -> str:
    return kid_of(key.public_key())


def previous_public_keys(settings: GovhubSettings) -> dict[str, Ed25519PublicKey]:
    """kid → public key of each earlier signing key still accepted during a rotation
    (`GOVHUB_JWT_PREVIOUS_PUBLIC_KEYS`)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for pem in settings.jwt_previous_public_keys:
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("GOVHUB_JWT_PREVIOUS_PUBLIC_KEYS holds Ed25519 public keys in PEM")
        keys[kid_of(key)] = key
    return keys


def published_jwks(settings: GovhubSettings, signing_key: SigningKey) -> list[dict[str, Any]]:
    """The JWKS keys: the signing key first, then the earlier ones of a rotation."""
    previous = previous_public_keys(settings)
    previous.pop(signing_key.kid, None)
    return [signing_key.jwk(), *(public_jwk(kid, key) for kid, key in previous.items())]


def load_signing_key(settings: GovhubSettings) -> SigningKey:
    """From `GOVHUB_JWT_PRIVATE_KEY`, else the data dir's key file, created on first start."""
    if settings.jwt_private_key:
        pem = settings.jwt_private_key.encode()
    else:
        path = settings.resolved_data_dir / "keys" / "jwt-ed25519.pem"
        pem = _read_or_create(path)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("GOVHUB_JWT_PRIVATE_KEY must be an Ed25519 private key in PEM")
    return SigningKey(kid=_kid_for(key), private_key=key)


def _read_or_create(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written aside, then linked into place: when several processes start at once, one
    # key wins and every process reads that one, never a half-written file.
    staging = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(staging, path)
    except FileExistsError:
        pem = path.read_bytes()
    finally:
        staging.unlink()
    return pem
