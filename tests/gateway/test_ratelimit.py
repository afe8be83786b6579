"""Rate limits: buckets per client or IP, the token endpoint, headers, exemptions."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from limits.aio.storage.redis import RedisStorage

from gateway.ratelimit import (
    GatewayRateLimiter,
    WindowCounterStorage,
    client_bucket,
    storage_uri,
    token_principal,
    unverified_subject,
)
from services.common.settings import GovhubSettings
from tests.gateway.conftest import free_port

PROBLEM = "application/problem+json"
STATE = re.compile(r'^"(?P<name>[a-z-]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def fake_jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'EdDSA'})}.{part(claims)}.c2lnbmF0dXJl"


def test_bucket_keys() -> None:
    anonymous = {"headers": [], "client": ("192.0.2.1", 1)}
    assert client_bucket(anonymous) == (False, "ip:192.0.2.1")
    token = fake_jwt({"sub": "user-1", "iss": "govhub"}).encode()
    bearer = {"headers": [(b"authorization", b"Bearer " + token)], "client": ("192.0.2.1", 1)}
    assert client_bucket(bearer) == (True, "sub:govhub|user-1")
    opaque = {"headers": [(b"authorization", b"bearer not-a-jwt")], "client": None}
    authenticated, key = client_bucket(opaque)
    assert authenticated and key.startswith("tok:") and "not-a-jwt" not in key
    basic = {"headers": [(b"authorization", b"Basic Zm9vOmJhcg==")], "client": None}
    assert client_bucket(basic) == (False, "ip:unknown")
    assert unverified_subject(b"a.!!!.c") is None
    assert unverified_subject(fake_jwt({"sub": 5}).encode()) is None


def test_token_form_names_the_principal() -> None:
    form = {"headers": [(b"content-type", b"application/x-www-form-urlencoded; charset=utf-8")]}
    assert token_principal(form, b"grant_type=password&username=Amal%40gov&password=x") == (
        "amal@gov"
    )
    assert token_principal(form, b"grant_type=client_credentials&client_id=moh-app") == "moh-app"
    assert token_principal(form, b"grant_type=password") is None
    json_body = {"headers": [(b"content-type", b"application/json")]}
    assert token_principal(json_body, b'{"username": "amal"}') is None


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


async def test_authenticated_clients_get_their_own_buckets(make_gateway, upstreams) -> None:
    gateway = await make_gateway(
        rate_limit_anonymous="1/minute", rate_limit_authenticated="2/minute"
    )
    amal = {"Authorization": f"Bearer {fake_jwt({'sub': 'amal', 'iss': 'govhub'})}"}
    amal_again = {"Authorization": f"Bearer {fake_jwt({'sub': 'amal', 'iss': 'govhub', 'jti': 2})}"}
    omar = {"Authorization": f"Bearer {fake_jwt({'sub': 'omar', 'iss': 'govhub'})}"}
    first = await gateway.client.get("/v1/campaigns", headers=amal)
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == '"client";q=2;w=60'
    # a fresh token of the same subject shares the bucket
    assert (await gateway.client.get("/v1/campaigns", headers=amal_again)).status_code == 200
    assert (await gateway.client.get("/v1/campaigns", headers=amal)).status_code == 429
    assert (await gateway.client.get("/v1/campaigns", headers=omar)).status_code == 200
    assert (await gateway.client.get("/v1/campaigns")).status_code == 200
    assert (await gateway.client.get("/v1/campaigns")).status_code == 429


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
