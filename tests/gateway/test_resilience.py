"""The gateway while a service is down or a client is slow: a circuit breaker that answers
503 at once and logs once, writes whose answers are never cut short, and a deadline on the
request head (slow or silent clients do not hold connections)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import httpx
import uvicorn

from gateway.breaker import CircuitBreaker
from gateway.server import guarded_protocol
from tests.gateway.conftest import free_port

PROBLEM = "application/problem+json"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_probes_one_at_a_time_and_closes():
    clock = Clock()
    breaker = CircuitBreaker("calendar", clock)
    assert breaker.allow()
    breaker.failed("refused")
    assert not breaker.allow() and breaker.retry_after() == 1
    clock.now += 0.6
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.failed("refused again")
    assert breaker.open_until - clock.now == 1.0  # the cool-down doubled
    clock.now += 1.1
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open and breaker.allow() and breaker.allow()
    for _ in range(10):
        breaker.failed("x")
    # capped at a second: a service that is back is probed (and used) within one
    assert breaker.open_until - clock.now == 1.0


async def test_a_down_service_answers_503_fast_and_logs_once(make_gateway, caplog) -> None:
    gateway = await make_gateway(calendar_url=f"http://127.0.0.1:{free_port()}")
    caplog.set_level(logging.WARNING, logger="govhub.gateway")
    first = await gateway.client.get("/v1/calendar/entries")
    assert first.status_code == 502 and first.headers["content-type"] == PROBLEM
    answers = [await gateway.client.get("/v1/calendar/entries") for _ in range(50)]
    assert {a.status_code for a in answers} <= {502, 503}
    refused = [a for a in answers if a.status_code == 503]
    assert len(refused) >= 40
    assert refused[0].json()["code"] == "service_unavailable"
    assert int(refused[0].headers["retry-after"]) >= 1
    lines = [r for r in caplog.records if r.name == "govhub.gateway"]
    assert len(lines) <= 3, [r.getMessage() for r in lines]
    # the other services are not affected
    assert (await gateway.client.get("/v1/inquiries/echo")).status_code != 503


async def test_the_breaker_closes_when_the_service_is_back(make_gateway, upstreams) -> None:
    gateway = await make_gateway()
    proxy = gateway.app.state.gateway.proxy
    breaker = proxy.breaker("calendar")
    breaker.failed("pretend")
    assert (await gateway.client.get("/v1/calendar/entries")).status_code == 503
    breaker.open_until = 0  # the cool-down is over: the next request probes
    assert (await gateway.client.get("/v1/calendar/entries")).status_code != 503
    assert not breaker.is_open


@contextlib.asynccontextmanager
async def guarded_server(header_timeout: float):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        http=guarded_protocol(header_timeout),
        timeout_keep_alive=30,  # longer than the head deadline: the deadline must act
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[assignment,method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task
        sock.close()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        while await asyncio.wait_for(reader.read(1024), seconds):
            pass
    except TimeoutError:
        return False
    return True


async def test_slow_and_silent_clients_are_closed() -> None:
    async with guarded_server(header_timeout=0.5) as port:
        # silent: connects and says nothing
        silent_r, silent_w = await asyncio.open_connection("127.0.0.1", port)
        # slow: a byte of the head every 0.2 s, which used to keep it open forever
        slow_r, slow_w = await asyncio.open_connection("127.0.0.1", port)

        async def dribble() -> None:
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaa":
                slow_w.write(bytes([byte]))
                await asyncio.sleep(0.2)

        dribbling = asyncio.create_task(dribble())
        assert await closed_within(silent_r, 3)
        assert await closed_within(slow_r, 3)
        dribbling.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await dribbling
        # a normal client is served, and its idle keep-alive connection closed in time too
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/")).text == "ok"
            assert (await client.get("/")).text == "ok"
        idle_r, idle_w = await asyncio.open_connection("127.0.0.1", port)
        idle_w.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200" in await idle_r.readuntil(b"ok")
        assert await closed_within(idle_r, 3)
        for writer in (silent_w, slow_w, idle_w):
            writer.close()
