"""Access tokens signed with the test data dir's key, for kernel tests without a directory."""

from __future__ import annotations

import time
import uuid

import jwt

from services.common.keys import load_signing_key
from services.common.settings import GovhubSettings


def mint(
    settings: GovhubSettings,
    *,
    exp: int | None = None,
    org: uuid.UUID | None = None,
    roles: tuple[str, ...] = ("agent",),
) -> str:
    """A staff token of `org` (a new id by default) expiring at `exp` (in 5 minutes)."""
    key = load_signing_key(settings)
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "u1",
        "iat": now,
        "nbf": now,
        "exp": exp if exp is not None else now + 300,
        "org": str(org or uuid.uuid4()),
        "roles": list(roles),
    }
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
