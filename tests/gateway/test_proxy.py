"""The streaming proxy: bodies both ways, headers, forwarding, 502/504/413 problems — each
case with the built-in transport and with aiohttp's client (GOVHUB_GATEWAY_TRANSPORT)."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from gateway.aiohttp_upstream import AiohttpTransport
from gateway.app import create_gateway_app
from gateway.headers import downstream_response_headers, upstream_request_headers
from gateway.upstream import UpstreamTransport
from tests.gateway.conftest import CLIENT_IP, free_port, pattern, serve

PROBLEM = "application/problem+json"
MIB = 1024 * 1024
TRANSPORTS = {"builtin": UpstreamTransport, "aiohttp": AiohttpTransport}


@pytest.fixture(params=sorted(TRANSPORTS))
def gateway_settings(gateway_settings, request):
    """Every gateway of these tests, once per transport."""

    def build(**overrides):
        return gateway_settings(**{"gateway_transport": request.param, **overrides})

    return build


async def test_large_bodies_both_ways(gateway, upstreams) -> None:
    upload = pattern(0, 8 * MIB + 123)

    async def chunks():
        for start in range(0, len(upload), 100_000):
            yield upload[start : start + 100_000]

    sent = await gateway.client.post(
        "/v1/inquiries/upload", content=chunks(), headers={"content-type": "text/csv"}
    )
    assert sent.status_code == 201
    assert sent.json()["body_size"] == len(upload)
    assert sent.json()["body_sha256"] == hashlib.sha256(upload).hexdigest()
    # the client streamed without a length: the service got the same bytes, unchunked or not
    assert sent.json()["headers"]["content-type"] == "text/csv"

    size = 24 * MIB + 7
    received = await gateway.client.get("/v1/calendar/stream-down", params={"size": size})
    assert received.status_code == 200
    assert received.content == pattern(0, size)


async def test_bodies_stream_without_buffering(gateway_settings, upstreams) -> None:
    """Through a real gateway server: each side sees the first chunk before the rest exists."""
    app = create_gateway_app(gateway_settings())
    async with serve(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as client:
        service = upstreams["inquiries"]

        async def upload():
            yield b"x" * 65536
            # Only sent once the service has the first chunk: a buffering proxy stalls here.
            await asyncio.wait_for(service.first_chunk_in.wait(), 5)
            yield b"y" * 65536

        answer = await client.post("/v1/inquiries/imports", content=upload())
        assert answer.status_code == 201
        assert answer.json()["body_size"] == 131072

        calendar = upstreams["calendar"]
        size = 4 * MIB
        async with client.stream(
            "GET", "/v1/calendar/stream-down", params={"size": size, "wait": 1}
        ) as response:
            assert response.status_code == 200
            stream = response.aiter_raw()
            first = await asyncio.wait_for(anext(stream), 5)
            assert first and not calendar.release.is_set()
            calendar.release.set()
            rest = b"".join([chunk async for chunk in stream])
        assert first + rest == pattern(0, size)


async def test_a_client_that_leaves_stops_the_stream(gateway_settings, upstreams) -> None:
    app = create_gateway_app(gateway_settings())
    async with serve(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as client:
        calendar = upstreams["calendar"]
        async with client.stream(
            "GET", "/v1/calendar/stream-down", params={"size": 8 * MIB, "wait": 1}
        ) as response:
            assert await asyncio.wait_for(anext(response.aiter_raw()), 5)
        # the client hung up mid-answer: the gateway drops its connection to the service
        await asyncio.wait_for(calendar.gone.wait(), 5)
        assert not calendar.release.is_set()
        # and keeps serving
        assert (await client.get("/v1/calendar/entries")).status_code == 200


async def test_hop_by_hop_headers_are_stripped_both_ways(gateway, upstreams) -> None:
    response = await gateway.client.get(
        "/v1/users/hop",
        headers={
            "Connection": "keep-alive, X-Drop-Me",
            "X-Drop-Me": "1",
            "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "Proxy-Connection": "keep-alive",
            "TE": "trailers",
            "Trailer": "X-Checksum",
            "Upgrade": "h2c",
            "X-Kept": "yes",
        },
    )
    assert response.status_code == 200
    seen = upstreams["directory"].seen[-1].headers
    for name in (
        "connection",
        "x-drop-me",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "transfer-encoding",
    ):
        assert name not in seen, name
    assert seen["x-kept"] == "yes"
    assert seen["host"] == upstreams_host(gateway, "directory")
    for name in ("x-upstream-private", "keep-alive", "proxy-authenticate"):
        assert name not in response.headers, name
    assert response.headers.get("connection") in (None, "keep-alive")
    assert response.headers["x-kept"] == "yes"
    assert response.text == "hop"


def upstreams_host(gateway, service: str) -> str:
    url: str = gateway.app.state.gateway.routes.services[service]
    return url.removeprefix("http://")


def test_header_filters_directly() -> None:
    scope = {
        "headers": [
            (b"host", b"api.gov.example"),
            (b"connection", b"close, x-secret"),
            (b"x-secret", b"1"),
            (b"x-forwarded-for", b"198.51.100.1"),
            (b"x-forwarded-for", b"198.51.100.2"),
            (b"content-length", b"5"),
            (b"accept", b"*/*"),
        ],
        "client": ("192.0.2.9", 1234),
        "scheme": "https",
    }
    headers, has_body, length = upstream_request_headers(scope, "rid-1")
    assert has_body and length == 5
    assert dict(headers) == {
        b"accept": b"*/*",
        b"x-forwarded-for": b"198.51.100.1, 198.51.100.2, 192.0.2.9",
        b"x-forwarded-proto": b"https",
        b"x-forwarded-host": b"api.gov.example",
        b"x-request-id": b"rid-1",
    }
    back = downstream_response_headers(
        [
            (b"Transfer-Encoding", b"chunked"),
            (b"Connection", b"X-A"),
            (b"X-A", b"1"),
            (b"Server", b"uvicorn"),
            (b"ETag", b'"1"'),
        ],
        [(b"ratelimit", b'"anonymous";r=1;t=2')],
    )
    assert back == [(b"etag", b'"1"'), (b"ratelimit", b'"anonymous";r=1;t=2')]


async def test_forwarding_headers_and_request_id(gateway, upstreams) -> None:
    response = await gateway.client.get(
        "/v1/organizations",
        headers={"X-Request-ID": "req-123", "X-Forwarded-For": "198.51.100.1"},
    )
    seen = upstreams["directory"].seen[-1].headers
    assert seen["x-forwarded-for"] == f"198.51.100.1, {CLIENT_IP}"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == "gateway.test"
    assert seen["x-request-id"] == "req-123"
    assert response.headers["x-request-id"] == "req-123"

    generated = await gateway.client.get("/v1/organizations")
    request_id = generated.headers["x-request-id"]
    assert len(request_id) >= 16
    assert upstreams["directory"].seen[-1].headers["x-request-id"] == request_id
    assert upstreams["directory"].seen[-1].headers["x-forwarded-for"] == CLIENT_IP

    unsafe = await gateway.client.get("/v1/organizations", headers={"X-Request-ID": "a b\tc"})
    assert unsafe.headers["x-request-id"] != "a b\tc"
    assert upstreams["directory"].seen[-1].headers["x-request-id"] == unsafe.headers["x-request-id"]


async def test_methods_and_bodies_pass_through(gateway, upstreams) -> None:
    body = '{"subject": "طلب إنارة الشارع"}'.encode()
    created = await gateway.client.post(
        "/v1/inquiries",
        content=body,
        headers={"content-type": "application/json", "Idempotency-Key": "k-1"},
    )
    assert created.status_code == 201
    answer = created.json()
    assert answer["body"] == body.decode()
    assert answer["headers"]["content-length"] == str(len(body))
    assert answer["headers"]["idempotency-key"] == "k-1"
    deleted = await gateway.client.delete("/v1/calendar/entries/1", headers={"If-Match": '"3"'})
    assert deleted.json()["method"] == "DELETE"
    assert deleted.json()["headers"]["if-match"] == '"3"'
    head = await gateway.client.head("/v1/reports")
    assert head.status_code == 200 and head.content == b""


async def test_refused_connection_is_502(make_gateway, upstreams) -> None:
    gateway = await make_gateway(directory_url=f"http://127.0.0.1:{free_port()}")
    response = await gateway.client.get("/v1/users", headers={"Accept-Language": "en"})
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "bad_gateway"
    assert problem["status"] == 502
    assert "directory" in problem["detail"]
    assert response.headers["x-request-id"]
    # the breaker is open now: the next request is refused at once, 503 in Arabic
    arabic = await gateway.client.get("/v1/users")
    assert arabic.status_code == 503 and arabic.json()["title"] == "الخدمة غير متاحة"
    assert arabic.json()["code"] == "service_unavailable" and arabic.headers["retry-after"]


async def test_upstream_timeout_is_504(make_gateway, upstreams) -> None:
    gateway = await make_gateway(upstream_timeout_seconds=0.3)
    response = await gateway.client.get("/v1/campaigns/slow", headers={"Accept-Language": "en"})
    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "gateway_timeout"
    assert response.json()["service"] == "campaigns"
    assert upstreams["campaigns"].seen[-1].path == "/v1/campaigns/slow"


async def test_body_over_the_limit_is_413_before_forwarding(make_gateway, upstreams) -> None:
    gateway = await make_gateway(max_body_bytes=1024, max_import_body_bytes=4096)
    too_large = await gateway.client.post(
        "/v1/inquiries", content=b"x" * 2048, headers={"content-type": "application/json"}
    )
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == PROBLEM
    assert too_large.json()["code"] == "payload_too_large"
    assert too_large.json()["limit_bytes"] == 1024
    assert upstreams["inquiries"].seen == []

    imported = await gateway.client.post("/v1/inquiries/imports", content=b"x" * 2048)
    assert imported.status_code == 201
    assert imported.json()["body_size"] == 2048
    assert (
        await gateway.client.post("/v1/inquiries/imports", content=b"x" * 5000)
    ).status_code == 413
    assert [seen.path for seen in upstreams["inquiries"].seen] == ["/v1/inquiries/imports"]


async def test_pooled_client_lives_in_the_lifespan(gateway_settings, upstreams) -> None:
    from asgi_lifespan import LifespanManager

    settings = gateway_settings()
    app = create_gateway_app(settings)
    state = app.state.gateway
    assert state.proxy.client is None and state.limiter.storage is None
    async with LifespanManager(app):
        client = state.proxy.client
        assert isinstance(client, httpx.AsyncClient) and not client.is_closed
        assert type(state.proxy.transport) is TRANSPORTS[settings.gateway_transport]
    assert state.proxy.client is None and client.is_closed and state.proxy.transport is None
