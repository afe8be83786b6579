"""Fake upstream services on real loopback ports, and gateways pointed at them.

No database: each fake service is a raw ASGI app served by uvicorn on 127.0.0.1 that
records what reached it and answers by the last segment of the path (echo, slow, hop, …).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from gateway.app import create_gateway_app
from services.common.settings import SERVICE_NAMES, GovhubSettings
from tests.gateway.fake_apps import fake_service_apps

CLIENT_IP = "203.0.113.7"


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    raw_headers: list[tuple[str, str]]
    client_port: int


@dataclass
class FakeService:
    """One upstream: records requests, answers by the path's last segment."""

    name: str
    spec_app: FastAPI
    seen: list[Seen] = field(default_factory=list)
    ready: bool = True
    database: str = "up"
    first_chunk_in: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    jwks: dict[str, Any] | None = None  # served at /.well-known/jwks.json when set

    def reset(self) -> None:
        self.seen.clear()
        self.jwks = None
        self.ready = True
        self.database = "up"
        self.first_chunk_in = asyncio.Event()
        self.release = asyncio.Event()
        self.gone = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path: str = scope["path"]
        if path == "/readyz":
            status = 200 if self.ready and self.database == "up" else 503
            await _json(send, status, {"status": "ready", "checks": {"database": self.database}})
            return
        if path == "/openapi.json":
            await _json(send, 200, self.spec_app.openapi())
            return
        if path == "/.well-known/jwks.json" and self.jwks is not None:
            await _json(send, 200, self.jwks)
            return
        raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        headers: dict[str, str] = {}
        for name, value in raw:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        client = scope.get("client") or ("", 0)
        query = scope["query_string"].decode()
        self.seen.append(Seen(scope["method"], path, query, headers, raw, client[1]))
        action = path.rstrip("/").rsplit("/", 1)[-1]
        if action == "slow":
            # Waits for the gateway to give up (disconnect) rather than sleeping blindly.
            try:
                while (await asyncio.wait_for(receive(), 10))["type"] != "http.disconnect":
                    pass
            except TimeoutError:
                pass
            return
        if action == "stream-down":
            await self._stream_down(scope, receive, send)
            return
        if action == "hop":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/plain"),
                        (b"connection", b"x-upstream-private"),
                        (b"x-upstream-private", b"secret"),
                        (b"keep-alive", b"timeout=5"),
                        (b"proxy-authenticate", b"Basic"),
                        (b"x-kept", b"yes"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"hop"})
            return
        digest = hashlib.sha256()
        size = 0
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            if chunk:
                self.first_chunk_in.set()
            size += len(chunk)
            digest.update(chunk)
            if size <= 65536:
                body.extend(chunk)
            if not message.get("more_body", False):
                break
        status = 201 if scope["method"] == "POST" else 200
        await _json(
            send,
            status,
            {
                "service": self.name,
                "method": scope["method"],
                "path": path,
                "query": scope["query_string"].decode(),
                "headers": headers,
                "body_size": size,
                "body_sha256": digest.hexdigest(),
                "body": body.decode("utf-8", "replace") if size <= 65536 else None,
            },
            [(b"x-service", self.name.encode()), (b"etag", b'"v1"')],
        )

    async def _stream_down(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        params = dict(
            part.split("=", 1) for part in scope["query_string"].decode().split("&") if part
        )
        size = int(params.get("size", "1048576"))
        wait = params.get("wait") == "1"
        while (await receive()).get("more_body"):
            pass  # the (empty) request body first: from here receive() only reports leaving
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/octet-stream")],
            }
        )
        sent = 0
        chunk_size = 65536
        while sent < size:
            chunk = pattern(sent, min(chunk_size, size - sent))
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if sent == 0 and wait:
                # The client must see this first chunk before the rest exists; or it leaves.
                released = asyncio.ensure_future(self.release.wait())
                left = asyncio.ensure_future(receive())
                await asyncio.wait({released, left}, timeout=10, return_when="FIRST_COMPLETED")
                released.cancel()
                if left.done() and left.result()["type"] == "http.disconnect":
                    self.gone.set()
                    return
                left.cancel()
            sent += len(chunk)
        await send({"type": "http.response.body", "body": b""})


def pattern(offset: int, length: int) -> bytes:
    """Deterministic bytes, so a corrupted or reordered stream is caught."""
    block = bytes(range(256)) * 257
    start = offset % 256
    out = bytearray()
    while len(out) < length:
        out.extend(block[start : start + (length - len(out))])
        start = 0
    return bytes(out)


async def _json(
    send: Any, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def free_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@asynccontextmanager
async def serve(app: Any, *, lifespan: str = "off") -> AsyncIterator[str]:
    """Runs an ASGI app under uvicorn on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan=lifespan,  # type: ignore[arg-type]
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    # Leave SIGINT/SIGTERM to pytest: several servers run in one test process.
    server.capture_signals = contextlib.nullcontext  # type: ignore[assignment,method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            raise RuntimeError("the test server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture(scope="session")
async def fake_services() -> AsyncIterator[dict[str, tuple[FakeService, str]]]:
    apps = fake_service_apps()
    async with AsyncExitStack() as stack:
        running: dict[str, tuple[FakeService, str]] = {}
        for name in SERVICE_NAMES:
            service = FakeService(name, apps[name])
            running[name] = (service, await stack.enter_async_context(serve(service)))
        yield running


@pytest.fixture
def upstreams(fake_services: dict[str, tuple[FakeService, str]]) -> dict[str, FakeService]:
    for service, _ in fake_services.values():
        service.reset()
    return {name: service for name, (service, _) in fake_services.items()}


@pytest.fixture
def gateway_settings(
    fake_services: dict[str, tuple[FakeService, str]],
) -> Callable[..., GovhubSettings]:
    def build(**overrides: Any) -> GovhubSettings:
        values: dict[str, Any] = {
            "environment": "test",
            "log_json": False,
            "log_level": "WARNING",
            "redis_url": None,
            "cors_origins": [],
            **{f"{name}_url": url for name, (_, url) in fake_services.items()},
        }
        values.update(overrides)
        return GovhubSettings(**values)

    return build


@dataclass
class Gateway:
    app: FastAPI
    asgi: Any
    client: httpx.AsyncClient
    stack: AsyncExitStack

    async def client_from(self, ip: str) -> httpx.AsyncClient:
        """Another client of the same gateway, calling from another address."""
        transport = httpx.ASGITransport(app=self.asgi, client=(ip, 40001))
        client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
        return await self.stack.enter_async_context(client)


@pytest.fixture
async def make_gateway(
    upstreams: dict[str, FakeService], gateway_settings: Callable[..., GovhubSettings]
) -> AsyncIterator[Callable[..., Any]]:
    """`await make_gateway(**settings_overrides)` → a Gateway (lifespan running)."""
    async with AsyncExitStack() as stack:

        async def factory(**overrides: Any) -> Gateway:
            app = create_gateway_app(gateway_settings(**overrides))
            manager = await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=manager.app, client=(CLIENT_IP, 40000))
            client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
            await stack.enter_async_context(client)
            return Gateway(app, manager.app, client, stack)

        yield factory


@pytest.fixture
async def gateway(make_gateway: Callable[..., Any]) -> Gateway:
    gateway: Gateway = await make_gateway()
    return gateway
