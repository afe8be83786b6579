"""Rate limits with the `limits` library, shared by gateway replicas through Redis.

Buckets: an authenticated caller by the verified identity of its bearer token (the
signature checked with the published keys, see `identity.py`), anyone else — a token
that does not verify included — by client address (the connection's peer, or the client
a trusted proxy names: `GOVHUB_TRUSTED_PROXIES`); the token endpoint additionally per
address and per username (or client_id), read by the directory's own form parser.
Unverified claims never pick a bucket: a made-up token would open a fresh one, a forged
one spend someone else's.

Answers carry the IETF `RateLimit-Policy` / `RateLimit` fields
(draft-ietf-httpapi-ratelimit-headers), e.g. `RateLimit-Policy: "client";q=600;w=60` and
`RateLimit: "client";r=599;t=42`; a 429 adds `Retry-After`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import Receive, Scope

from gateway.identity import CallerIdentity
from services.common.forms import parse_token_form
from services.common.settings import GovhubSettings

logger = logging.getLogger("govhub.gateway.ratelimit")

Headers = list[tuple[bytes, bytes]]

TOKEN_PATH = "/v1/auth/token"  # noqa: S105 (a path, not a secret)
_OUTAGE_LOG_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class Policy:
    """One quota: a name for the headers, the `limits` item, its policy field value."""

    name: str
    item: RateLimitItem
    policy_field: bytes

    @classmethod
    def build(cls, name: str, item: RateLimitItem) -> Policy:
        field = f'"{name}";q={item.amount};w={item.get_expiry()}'.encode()
        return cls(name, item, field)


def policies_from(name: str, spec: str) -> tuple[Policy, ...]:
    """`"60/minute"` (or `"60/minute;1000/hour"`) → policies named for the headers."""
    items = parse_many(spec)
    return tuple(
        Policy.build(name if index == 0 else f"{name}-{index + 1}", item)
        for index, item in enumerate(items)
    )


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    headers: Headers
    retry_after: int = 0


ALLOW_UNMETERED = Decision(True, [])


def storage_uri(redis_url: str) -> str:
    """`redis://…` → `async+redis://…`: the asyncio storage of the same server."""
    return redis_url if redis_url.startswith("async+") else "async+" + redis_url


def bearer_token(scope: Scope) -> bytes | None:
    """The token of an `Authorization: Bearer …` header, if there is one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            token = token.strip()
            return token if scheme.lower() == b"bearer" and token else None
    return None


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def is_channel_webhook(scope: Scope) -> bool:
    """A channel platform's webhook (`/v1/channels/<channel>/webhook`, e.g. WhatsApp's):
    its calls come from the platform's few addresses and each is signed, the signature
    checked by the service, so they count against a quota of their own."""
    parts = str(scope["path"]).strip("/").split("/")
    return len(parts) == 4 and parts[:2] == ["v1", "channels"] and parts[3] == "webhook"


def is_token_request(scope: Scope) -> bool:
    method: str = scope["method"]
    path: str = scope["path"]
    return method == "POST" and path.rstrip("/") == TOKEN_PATH


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body (the body-limit middleware bounds it); None on disconnect."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def token_principal(scope: Scope, body: bytes) -> str | None:
    """The username (or client_id) a token request names, read by the same parser as the
    directory's (`services.common.forms`). Raises `AmbiguousFormError` for a body that
    parser refuses: the gateway answers it 400 itself."""
    content_type = b""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
            break
    fields = parse_token_form(content_type.decode("latin-1"), body)
    name = fields.get("username") or fields.get("client_id")
    return name.strip().casefold()[:256] if name else None


class WindowCounterStorage(Storage):
    """In-process fixed-window counters for `limits` (one gateway process, no Redis).

    `limits.aio.storage.MemoryStorage` sweeps every key for expiry after nearly every hit,
    so its cost grows with the number of clients seen in a window (measured: ~0.1 ms per
    request at 1,000 client IPs, ~2 ms at 20,000). Here a counter expires lazily when
    touched and a full sweep runs at most every `sweep_interval` seconds.
    """

    STORAGE_SCHEME = None  # not registered under a URI scheme: built directly

    def __init__(self, sweep_interval: float = 10.0) -> None:
        super().__init__()
        self._counters: dict[str, list[float]] = {}  # key → [count, expires_at]
        self._sweep_interval = sweep_interval
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        if now >= self._next_sweep:
            self._sweep(now)
        entry = self._counters.get(key)
        if entry is None or entry[1] <= now:
            entry = self._counters[key] = [0, now + expiry]
        entry[0] += amount
        return int(entry[0])

    async def get(self, key: str) -> int:
        entry = self._counters.get(key)
        return int(entry[0]) if entry is not None and entry[1] > time.time() else 0

    async def get_expiry(self, key: str) -> float:
        now = time.time()
        entry = self._counters.get(key)
        return entry[1] if entry is not None and entry[1] > now else now

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        count = len(self._counters)
        self._counters.clear()
        return count

    async def clear(self, key: str) -> None:
        self._counters.pop(key, None)

    def _sweep(self, now: float) -> None:
        self._counters = {key: entry for key, entry in self._counters.items() if entry[1] > now}
        self._next_sweep = now + self._sweep_interval


class GatewayRateLimiter:
    """Fixed windows with `limits`: counters in process, or in Redis when `redis_url` is set
    (then shared by every gateway replica)."""

    def __init__(self, settings: GovhubSettings) -> None:
        self.redis_url = settings.redis_url
        self.anonymous = policies_from("anonymous", settings.rate_limit_anonymous)
        self.authenticated = policies_from("client", settings.rate_limit_authenticated)
        self.token_ip = policies_from("token-ip", settings.rate_limit_token)
        self.token_user = policies_from("token-user", settings.rate_limit_token)
        self.channel_webhook = policies_from(
            "channel-webhook", settings.rate_limit_channel_webhooks
        )
        self.identity = CallerIdentity(settings)
        self.storage: Storage | None = None
        self._strategy: FixedWindowRateLimiter | None = None
        self._last_outage_log = -math.inf

    async def open(self) -> None:
        await self.identity.open()
        if self.redis_url:
            storage = storage_from_string(storage_uri(self.redis_url))
            if not isinstance(storage, Storage):
                raise ValueError("GOVHUB_REDIS_URL must name a Redis server (redis://…)")
            self.storage = storage
        else:
            self.storage = WindowCounterStorage()
        self._strategy = FixedWindowRateLimiter(self.storage)

    async def close(self) -> None:
        self._strategy = None
        self.storage = None
        await self.identity.close()

    async def bucket(self, scope: Scope) -> tuple[bool, str]:
        """(authenticated?, bucket key): the verified identity, else the client address."""
        token = bearer_token(scope)
        if token is not None:
            subject = await self.identity.subject(token)
            if subject is not None:
                return True, "sub:" + subject
        return False, "ip:" + client_ip(scope)

    async def check(self, scope: Scope, token_principal_name: str | None = None) -> Decision:
        """Counts this request against its buckets; stops at the first exhausted one."""
        authenticated, bucket = await self.bucket(scope)
        policies = self.authenticated if authenticated else self.anonymous
        if not authenticated and is_channel_webhook(scope):
            policies = self.channel_webhook
        checks: list[tuple[Policy, str]] = [(policy, bucket) for policy in policies]
        if is_token_request(scope):
            ip = "ip:" + client_ip(scope)
            checks.extend((policy, ip) for policy in self.token_ip)
            if token_principal_name:
                user = "user:" + token_principal_name
                checks.extend((policy, user) for policy in self.token_user)
        return await self._evaluate(checks)

    async def _evaluate(self, checks: list[tuple[Policy, str]]) -> Decision:
        strategy = self._strategy
        if strategy is None:
            raise RuntimeError("the gateway lifespan has not opened the rate-limit storage")
        policy_fields: list[bytes] = []
        state_fields: list[bytes] = []
        retry_after = 0
        allowed = True
        for policy, key in checks:
            try:
                allowed = await strategy.hit(policy.item, policy.name, key)
                stats = await strategy.get_window_stats(policy.item, policy.name, key)
            except Exception:
                # A storage outage must not take the API down with it: serve unmetered.
                self._log_outage()
                return ALLOW_UNMETERED
            window = policy.item.get_expiry()
            reset = min(window, max(0, math.ceil(stats.reset_time - time.time())))
            policy_fields.append(policy.policy_field)
            state_fields.append(f'"{policy.name}";r={stats.remaining};t={reset}'.encode())
            if not allowed:
                retry_after = max(reset, 1)
                break
        headers: Headers = [
            (b"ratelimit-policy", b", ".join(policy_fields)),
            (b"ratelimit", b", ".join(state_fields)),
        ]
        if not allowed:
            headers.append((b"retry-after", str(retry_after).encode()))
        return Decision(allowed, headers, retry_after)

    def _log_outage(self) -> None:
        now = time.monotonic()
        if now - self._last_outage_log >= _OUTAGE_LOG_INTERVAL:
            self._last_outage_log = now
            logger.exception("rate-limit storage failed; requests pass unmetered meanwhile")
