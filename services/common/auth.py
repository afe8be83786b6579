"""Who is calling: token verification shared by every service, and the permission check.

Every service verifies the bearer token itself (the gateway is not the only lock on the
door). Tokens are EdDSA JWTs signed by the directory, or tokens of an external OpenID
Connect issuer when one is configured.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request

from services.common.errors import Forbidden, Unauthorized
from services.common.keys import SigningKey, previous_public_keys
from services.common.permissions import permissions_for
from services.common.settings import GovhubSettings

ALLOWED_LOCAL_ALGORITHMS = ["EdDSA"]
ALLOWED_EXTERNAL_ALGORITHMS = ["RS256", "ES256", "EdDSA"]
PRINCIPAL_STATE_KEY = "govhub_principal"
LEEWAY_SECONDS = 10
VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Principal:
    """A verified caller: a staff user or a machine client, acting for one organization."""

    subject: str
    kind: str  # "user" | "client"
    organization_id: uuid.UUID | None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    username: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.kind, self.roles, self.scopes)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_sector_admin(self) -> bool:
        return "sector_admin" in self.roles

    @property
    def actor_id(self) -> str:
        return self.subject


def _unauthorized(reason_en: str) -> Unauthorized:
    return Unauthorized(
        "رمز الدخول غير صالح", f"Invalid access token: {reason_en}", code="invalid_token"
    )


class TokenVerifier:
    """Checks signature, algorithm, `exp`, `nbf`, `iss` and `aud`; builds the principal."""

    def __init__(self, settings: GovhubSettings, signing_key: SigningKey) -> None:
        self.settings = settings
        self.local_key = signing_key
        # the signing key and, during a rotation, the earlier keys whose tokens still live
        self.local_keys = {
            **previous_public_keys(settings),
            signing_key.kid: signing_key.public_key,
        }
        self._external_keys: dict[str, Any] = {}
        self._external_fetched_at = 0.0
        # token → (principal, exp): a client sends the same token many times; checking its
        # signature once per process is enough, `exp` is checked again on every use
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires + LEEWAY_SECONDS:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal = await self._verify_uncached(token)
        self._verified[token] = (principal, float(principal.claims.get("exp", 0)))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _verify_uncached(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise _unauthorized("malformed") from exc
        issuer = unverified.get("iss")
        local_key = self.local_keys.get(str(header.get("kid", "")))
        if issuer == self.settings.jwt_issuer and local_key is not None:
            claims = self._decode(
                token,
                local_key,
                ALLOWED_LOCAL_ALGORITHMS,
                self.settings.jwt_audience,
                self.settings.jwt_issuer,
            )
        elif self.settings.oidc_issuer and issuer == self.settings.oidc_issuer:
            key = await self._external_key(str(header.get("kid", "")))
            claims = self._decode(
                token,
                key,
                ALLOWED_EXTERNAL_ALGORITHMS,
                self.settings.oidc_audience or self.settings.jwt_audience,
                self.settings.oidc_issuer,
            )
        else:
            raise _unauthorized("unknown issuer or key")
        return principal_from_claims(claims)

    @staticmethod
    def _decode(
        token: str, key: Any, algorithms: list[str], audience: str, issuer: str
    ) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=audience,
                issuer=issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("expired") from exc
        except jwt.PyJWTError as exc:
            raise _unauthorized(type(exc).__name__) from exc
        return claims

    async def _external_key(self, kid: str) -> Any:
        stale = time.monotonic() - self._external_fetched_at > 600
        if (kid not in self._external_keys or stale) and self.settings.oidc_jwks_url:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.settings.oidc_jwks_url)
                response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
            self._external_keys = {k.key_id: k.key for k in jwks.keys if k.key_id}
            self._external_fetched_at = time.monotonic()
        if kid not in self._external_keys:
            raise _unauthorized("unknown key")
        return self._external_keys[kid]


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    org = claims.get("org")
    try:
        organization_id = uuid.UUID(str(org)) if org else None
    except ValueError as exc:
        raise _unauthorized("bad organization claim") from exc
    roles = claims.get("roles") or []
    scope = claims.get("scope") or ""
    return Principal(
        subject=str(claims["sub"]),
        kind=str(claims.get("typ_principal", "user")),
        organization_id=organization_id,
        roles=frozenset(str(r) for r in roles),
        scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
        username=claims.get("preferred_username"),
        claims=claims,
    )


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("expected a Bearer token")
    return token.strip()


async def optional_principal(request: Request) -> Principal | None:
    """The verified caller, or None for an anonymous request. Verified once per request."""
    state = request.scope.setdefault("state", {})
    if PRINCIPAL_STATE_KEY in state:
        cached: Principal | None = state[PRINCIPAL_STATE_KEY]
        return cached
    token = bearer_token(request)
    principal = None
    if token is not None:
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = await verifier.verify(token)
    state[PRINCIPAL_STATE_KEY] = principal
    return principal


async def require_principal(request: Request) -> Principal:
    # calls `optional_principal` itself rather than depending on it: one dependency
    # level less for FastAPI to solve on every authenticated request
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthorized()
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
PrincipalDep = Annotated[Principal, Depends(require_principal)]


def require(permission: str) -> Any:
    """A dependency that lets through only principals holding `permission`."""

    async def check(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise Forbidden()
        return principal

    return Depends(check)
