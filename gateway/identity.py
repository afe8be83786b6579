"""Who a request's bearer token names, when its signature says so: the rate limits' key.

The gateway keys an authenticated caller's limit on the token's `iss|sub` only after it
has verified the signature with the published keys — the directory's JWKS
(`/.well-known/jwks.json`) and, when one is configured, the external OpenID Connect
issuer's — and checked `exp`, `iss` and `aud`. A token that does not verify (made up,
forged, expired, of an unknown key) gives no identity: the request counts against its
client address like an anonymous one. So a made-up token never opens a fresh bucket, and
a forged one naming someone else never spends that someone's.

Cheap: an Ed25519 verification is tens of microseconds, and a verified token is
remembered until it expires (clients send the same token many times). Keys are fetched
on first use, again every `KEYS_MAX_AGE` seconds, and on an unknown `kid` at most every
`UNKNOWN_KID_RETRY` seconds, so forged `kid`s cannot make the gateway fetch on every
request. The services verify every token themselves regardless.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from services.common.auth import ALLOWED_EXTERNAL_ALGORITHMS, ALLOWED_LOCAL_ALGORITHMS
from services.common.settings import GovhubSettings

logger = logging.getLogger("govhub.gateway.identity")

KEYS_MAX_AGE = 300.0
UNKNOWN_KID_RETRY = 30.0
FETCH_TIMEOUT = 3.0
VERIFIED_CACHE_SIZE = 10_000
LEEWAY_SECONDS = 10
MAX_TOKEN_BYTES = 8192


@dataclass
class KeySource:
    """One issuer whose tokens the gateway recognises, and where its keys are published."""

    issuer: str
    audience: str
    jwks_urls: tuple[str, ...]  # the same keys at each (the directory's replicas)
    algorithms: list[str]
    keys: dict[str, Any] = field(default_factory=dict)  # kid → public key
    fetched_at: float = -math.inf
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class CallerIdentity:
    """Verifies bearer tokens for the rate limiter; see the module's docstring."""

    def __init__(self, settings: GovhubSettings) -> None:
        self.sources = [
            KeySource(
                settings.jwt_issuer,
                settings.jwt_audience,
                tuple(url + "/.well-known/jwks.json" for url in settings.service_urls("directory")),
                ALLOWED_LOCAL_ALGORITHMS,
            )
        ]
        if settings.oidc_issuer and settings.oidc_jwks_url:
            self.sources.append(
                KeySource(
                    settings.oidc_issuer,
                    settings.oidc_audience or settings.jwt_audience,
                    (settings.oidc_jwks_url,),
                    ALLOWED_EXTERNAL_ALGORITHMS,
                )
            )
        self._verified: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=FETCH_TIMEOUT)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def subject(self, token: bytes) -> str | None:
        """`iss|sub` of a token whose signature and claims verify, else None."""
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None:
            subject, expires = cached
            if now < expires + LEEWAY_SECONDS:
                self._verified.move_to_end(token)
                return subject
            del self._verified[token]
        if len(token) > MAX_TOKEN_BYTES:
            return None
        try:
            text = token.decode("ascii")
            header = jwt.get_unverified_header(text)
            issuer = jwt.decode(text, options={"verify_signature": False}).get("iss")
        except (UnicodeDecodeError, jwt.PyJWTError):
            return None
        source = next((s for s in self.sources if s.issuer == issuer), None)
        kid = header.get("kid")
        if source is None or not isinstance(kid, str):
            return None
        key = await self._key(source, kid)
        if key is None:
            return None
        try:
            claims = jwt.decode(
                text,
                key,
                algorithms=source.algorithms,
                audience=source.audience,
                issuer=source.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.PyJWTError:
            return None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            return None
        subject = f"{source.issuer}|{sub}"[:512]
        self._verified[token] = (subject, float(claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return subject

    async def _key(self, source: KeySource, kid: str) -> Any:
        now = time.monotonic()
        age = now - source.fetched_at
        if kid in source.keys and age < KEYS_MAX_AGE:
            return source.keys[kid]
        if age >= UNKNOWN_KID_RETRY:
            async with source.lock:
                if time.monotonic() - source.fetched_at >= UNKNOWN_KID_RETRY:
                    await self._fetch(source)
        return source.keys.get(kid)

    async def _fetch(self, source: KeySource) -> None:
        # Stamped first: while the keys cannot be fetched, tokens count by address and the
        # gateway asks again only after UNKNOWN_KID_RETRY seconds.
        source.fetched_at = time.monotonic()
        client = self._client
        if client is None:
            raise RuntimeError("the gateway lifespan has not opened the key fetcher")
        for url in source.jwks_urls:  # the first replica that answers
            try:
                response = await client.get(url)
                response.raise_for_status()
                jwks = jwt.PyJWKSet.from_dict(response.json())
            except (httpx.HTTPError, ValueError, jwt.PyJWTError):
                logger.warning(
                    "could not fetch the signing keys of %s from %s",
                    source.issuer,
                    url,
                    exc_info=True,
                )
                continue
            source.keys = {k.key_id: k.key for k in jwks.keys if k.key_id}
            return
