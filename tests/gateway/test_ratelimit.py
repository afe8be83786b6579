"""Rate limits: buckets per client or IP, the token endpoint, headers, exemptions."""

from __future__ import annotations

import re
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from limits.aio.storage.redis import RedisStorage

from gateway.ratelimit import (
    GatewayRateLimiter,
    WindowCounterStorage,
    storage_uri,
    token_principal,
)
from services.common.forms import AmbiguousFormError
from services.common.keys import SigningKey
from services.common.settings import GovhubSettings
from tests.gateway.conftest import free_port

PROBLEM = "application/problem+json"
STATE = re.compile(r'^"(?P<name>[a-z-]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


@pytest.fixture
def sign(upstreams):
    """`sign(sub, **claims)` → a token of the directory's key, which the fake directory
    publishes at /.well-known/jwks.json; `sign.other` signs with a key nobody publishes."""
    published = SigningKey("published-kid", Ed25519PrivateKey.generate())
    unpublished = SigningKey("published-kid", Ed25519PrivateKey.generate())  # same kid
    upstreams["directory"].jwks = {"keys": [published.jwk()]}

    def token(sub: str, key: SigningKey = published, **claims: object) -> str:
        now = int(time.time())
        body = {"iss": "govhub", "aud": "govhub", "sub": sub, "iat": now, "exp": now + 300}
        body.update(claims)
        return jwt.encode(body, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})

    token.other = unpublished  # type: ignore[attr-defined]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_buckets_are_verified_identities_else_addresses(gateway_settings, sign) -> None:
    limiter = GatewayRateLimiter(gateway_settings())
    await limiter.open()
    try:

        async def bucket(authorization: bytes | None) -> tuple[bool, str]:
            headers = [(b"authorization", authorization)] if authorization else []
            return await limiter.bucket({"headers": headers, "client": ("192.0.2.1", 1)})

        anonymous = (False, "ip:192.0.2.1")
        assert await bucket(None) == anonymous
        assert await bucket(f"Bearer {sign('amal')}".encode()) == (True, "sub:govhub|amal")
        # made up, forged (another key, the same kid), expired, foreign issuer, no kid,
        # not a bearer token: all count against the address
        now = int(time.time())
        refused = [
            b"Bearer junk1",
            f"Bearer {sign('amal', sign.other)}".encode(),
            f"Bearer {sign('amal', exp=now - 60)}".encode(),
            f"Bearer {sign('amal', iss='elsewhere')}".encode(),
            f"Bearer {sign('amal', aud='other-audience')}".encode(),
            b"Bearer "
            + jwt.encode({"sub": "amal", "iss": "govhub"}, "k" * 32, algorithm="HS256").encode(),
            b"Basic Zm9vOmJhcg==",
        ]
        for authorization in refused:
            assert await bucket(authorization) == anonymous, authorization
    finally:
        await limiter.close()


async def test_unknown_key_ids_do_not_make_the_gateway_fetch_every_time(
    gateway_settings, sign, monkeypatch
) -> None:
    limiter = GatewayRateLimiter(gateway_settings())
    await limiter.open()
    fetches = []
    fetch = limiter.identity._fetch

    async def counted(source):
        fetches.append(source.issuer)
        await fetch(source)

    monkeypatch.setattr(limiter.identity, "_fetch", counted)
    try:
        good = sign("amal")
        for index in range(20):
            forged = jwt.encode(
                {"iss": "govhub", "sub": "amal", "exp": int(time.time()) + 60},
                sign.other.private_key,
                algorithm="EdDSA",
                headers={"kid": f"kid-{index}"},
            )
            headers = [(b"authorization", f"Bearer {forged}".encode())]
            assert (await limiter.bucket({"headers": headers, "client": None}))[0] is False
        assert len(fetches) == 1
        headers = [(b"authorization", f"Bearer {good}".encode())]
        assert await limiter.bucket({"headers": headers, "client": None}) == (
            True,
            "sub:govhub|amal",
        )
        assert len(fetches) == 1
    finally:
        await limiter.close()


def test_token_form_names_the_principal() -> None:
    form = {"headers": [(b"content-type", b"application/x-www-form-urlencoded; charset=utf-8")]}
    assert token_principal(form, b"grant_type=password&username=Amal%40gov&password=x") == (
        "amal@gov"
    )
    assert token_principal(form, b"grant_type=client_credentials&client_id=moh-app") == "moh-app"
    assert token_principal(form, b"grant_type=password") is None
    # the directory's own parser: what it would refuse, the gateway refuses too
    with pytest.raises(AmbiguousFormError):
        token_principal(form, b"username=amal&username=omar")
    with pytest.raises(AmbiguousFormError):
        token_principal({"headers": [(b"content-type", b"application/json")]}, b"{}")
    multipart = b"multipart/form-data; boundary=x"
    with pytest.raises(AmbiguousFormError):
        token_principal({"headers": [(b"content-type", multipart)]}, b"--x--")


def test_storage_choice() -> None:
    assert storage_uri("redis://cache:6379/0") == "async+redis://cache:6379/0"
    assert storage_uri("async+redis://cache") == "async+redis://cache"


async def test_in_process_by_default_and_redis_when_configured() -> None:
    memory = GatewayRateLimiter(GovhubSettings())
    await memory.open()
    assert isinstance(memory.storage, WindowCounterStorage)
    redis = GatewayRateLimiter(GovhubSettings(redis_url=f"redis://127.0.0.1:{free_port()}"))
    await redis.open()
    assert isinstance(redis.storage, RedisStorage)
    # nothing listens there: requests pass unmetered instead of failing
    decision = await redis.check(
        {"headers": [], "client": ("192.0.2.1", 1), "method": "GET", "path": "/v1/users"}
    )
    assert decision.allowed and decision.headers == []


def states(response) -> dict[str, tuple[int, int]]:
    out = {}
    for item in response.headers["ratelimit"].split(", "):
        match = STATE.match(item)
        assert match, item
        out[match["name"]] = (int(match["r"]), int(match["t"]))
    return out


async def test_anonymous_quota_then_429(make_gateway, upstreams) -> None:
    gateway = await make_gateway(rate_limit_anonymous="3/minute")
    for remaining in (2, 1, 0):
        response = await gateway.client.get("/v1/inquiries")
        assert response.status_code == 200
        assert response.headers["ratelimit-policy"] == '"anonymous";q=3;w=60'
        r, t = states(response)["anonymous"]
        assert r == remaining and 0 < t <= 60
    limited = await gateway.client.get("/v1/inquiries", headers={"Accept-Language": "en"})
    assert limited.status_code == 429
    assert limited.headers["content-type"] == PROBLEM
    assert limited.json()["code"] == "rate_limited"
    assert limited.json()["title"] == "Too many requests"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["ratelimit-policy"] == '"anonymous";q=3;w=60'
    assert states(limited)["anonymous"][0] == 0
    assert limited.headers["x-request-id"]
    assert len(upstreams["inquiries"].seen) == 3

    # another address has its own bucket; operations are never limited
    other = await gateway.client_from("198.51.100.20")
    assert (await other.get("/v1/inquiries")).status_code == 200
    for path in ("/healthz", "/metrics", "/docs", "/readyz", "/openapi.json"):
        answer = await gateway.client.get(path)
        assert answer.status_code != 429, path
        assert "ratelimit" not in answer.headers


async def test_channel_webhooks_count_against_their_own_quota(make_gateway, upstreams) -> None:
    gateway = await make_gateway(
        rate_limit_anonymous="1/minute", rate_limit_channel_webhooks="3/minute"
    )
    for remaining in (2, 1, 0):
        response = await gateway.client.get("/v1/channels/whatsapp/webhook")
        assert response.status_code == 200, response.text
        assert response.headers["ratelimit-policy"] == '"channel-webhook";q=3;w=60'
        assert states(response)["channel-webhook"][0] == remaining
    limited = await gateway.client.get("/v1/channels/whatsapp/webhook")
    assert limited.status_code == 429
    # the address's anonymous bucket was not spent by them, nor theirs by it
    assert (await gateway.client.get("/v1/inquiries")).status_code == 200
    assert (await gateway.client.get("/v1/inquiries")).status_code == 429
    other = await gateway.client_from("198.51.100.20")
    assert (await other.get("/v1/channels/whatsapp/webhook")).status_code == 200


async def test_authenticated_clients_get_their_own_buckets(make_gateway, upstreams, sign) -> None:
    gateway = await make_gateway(
        rate_limit_anonymous="1/minute", rate_limit_authenticated="2/minute"
    )
    amal, amal_again, omar = sign("amal"), sign("amal", jti="2"), sign("omar")
    first = await gateway.client.get("/v1/campaigns", headers=bearer(amal))
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == '"client";q=2;w=60'
    # a fresh token of the same subject shares the bucket
    assert (
        await gateway.client.get("/v1/campaigns", headers=bearer(amal_again))
    ).status_code == 200
    assert (await gateway.client.get("/v1/campaigns", headers=bearer(amal))).status_code == 429
    assert (await gateway.client.get("/v1/campaigns", headers=bearer(omar))).status_code == 200
    assert (await gateway.client.get("/v1/campaigns")).status_code == 200
    assert (await gateway.client.get("/v1/campaigns")).status_code == 429


async def test_made_up_tokens_count_against_the_address(make_gateway, upstreams, sign) -> None:
    gateway = await make_gateway(rate_limit_anonymous="3/minute")
    statuses = [
        (await gateway.client.get("/v1/inquiries", headers=bearer(f"junk{i}"))).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert len(upstreams["inquiries"].seen) == 3


async def test_forged_tokens_never_spend_the_named_callers_bucket(
    make_gateway, upstreams, sign
) -> None:
    gateway = await make_gateway(
        rate_limit_anonymous="100/minute", rate_limit_authenticated="2/minute"
    )
    forged = sign("admin", sign.other)
    for _ in range(5):
        answer = await gateway.client.get("/v1/users", headers=bearer(forged))
        assert answer.status_code == 200 and '"anonymous"' in answer.headers["ratelimit-policy"]
    real = await gateway.client.get("/v1/users", headers=bearer(sign("admin")))
    assert real.status_code == 200
    assert states(real)["client"][0] == 1  # the real admin's bucket was untouched


@pytest.mark.parametrize("username", ["amal.saeed"])
async def test_token_endpoint_per_ip_and_username(make_gateway, upstreams, username) -> None:
    gateway = await make_gateway(rate_limit_token="2/minute")
    form = {"grant_type": "password", "username": username, "password": "كلمة-سر"}
    for _ in range(2):
        answer = await gateway.client.post("/v1/auth/token", data=form)
        assert answer.status_code == 201
        # the form was read for the limit and still reached the directory intact
        assert answer.json()["body"] == (
            "grant_type=password&username=amal.saeed&password=%D9%83%D9%84%D9%85%D8%A9-%D8%B3%D8%B1"
        )
        assert set(states(answer)) == {"anonymous", "token-ip", "token-user"}
    limited = await gateway.client.post("/v1/auth/token", data=form)
    assert limited.status_code == 429
    assert "retry-after" in limited.headers

    # the same username from elsewhere is still limited; another one from there is not
    elsewhere = await gateway.client_from("198.51.100.30")
    assert (await elsewhere.post("/v1/auth/token", data=form)).status_code == 429
    other = {**form, "username": "omar"}
    assert (await elsewhere.post("/v1/auth/token", data=other)).status_code == 201
    # and the first address is out of token attempts whatever the username
    assert (await gateway.client.post("/v1/auth/token", data=other)).status_code == 429
    assert len(upstreams["directory"].seen) == 3


async def test_window_counters_expire_and_sweep(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    storage = WindowCounterStorage(sweep_interval=5)
    assert await storage.incr("a", 60) == 1
    assert await storage.incr("a", 60) == 2
    assert await storage.get("a") == 2
    assert await storage.get_expiry("a") == 1060.0
    for index in range(100):
        await storage.incr(f"ip:{index}", 10)
    clock[0] = 1011.0  # the 10 s windows are over, the 60 s one is not
    assert await storage.get("ip:1") == 0
    assert await storage.incr("b", 60) == 1  # triggers a sweep
    assert set(storage._counters) == {"a", "b"}
    clock[0] = 1061.0
    assert await storage.incr("a", 60) == 1  # a new window
    assert await storage.reset() == 2


async def test_ambiguous_token_forms_are_refused_before_the_directory(
    make_gateway, upstreams
) -> None:
    gateway = await make_gateway()
    form = "application/x-www-form-urlencoded"
    bodies = [
        (form, b"grant_type=password&username=amal&username=omar&password=x"),
        (form, b"grant_type=password&user%6Eame=amal&username=omar&password=x"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="a"'),
    ]
    for content_type, body in bodies:
        answer = await gateway.client.post(
            "/v1/auth/token",
            content=body,
            headers={"Content-Type": content_type, "Accept-Language": "en"},
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["code"] == answer.json()["error"] == "invalid_request"
        assert answer.headers["cache-control"] == "no-store"
    assert upstreams["directory"].seen == []
