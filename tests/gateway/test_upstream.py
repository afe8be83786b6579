"""The upstream transport: keep-alive reuse, stale connections, framing, uvloop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from gateway.upstream import Timeouts, Upstream, UpstreamTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A hand-written HTTP server; `handler(reader, writer, request_number_on_connection)`."""

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                number += 1
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                await handler(reader, writer, number)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def ok(body: bytes = b"ok") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)


async def read_all(transport: UpstreamTransport, upstream: Upstream, method: str = "GET", **kw):
    response = await transport.request(upstream, method, b"/x", [], **kw)
    try:
        body = b"".join([chunk async for chunk in response.chunks()])
    finally:
        response.close()
    return response.status, body


async def test_keep_alive_reuses_one_connection(gateway, upstreams) -> None:
    for _ in range(5):
        assert (await gateway.client.get("/v1/milestones/1")).status_code == 200
    ports = {seen.client_port for seen in upstreams["campaigns"].seen}
    assert len(ports) == 1


async def test_stale_kept_alive_connection_is_replayed_when_safe() -> None:
    async def closes_second_request(reader, writer, number) -> None:
        if number == 1:
            writer.write(ok(b"first"))
            await writer.drain()
        else:
            writer.close()  # the keep-alive race: the service gave up on this connection

    async with raw_server(closes_second_request) as url:
        transport = UpstreamTransport(timeouts=Timeouts.of(2))
        upstream = Upstream.parse(url)
        assert await read_all(transport, upstream) == (200, b"first")
        # GET is idempotent: replayed on a fresh connection
        assert await read_all(transport, upstream) == (200, b"first")
        # POST after a send: not replayed, the caller decides (the proxy answers 502)
        with pytest.raises(httpx.ReadError):
            await read_all(transport, upstream, "POST", body=b"{}")
        await transport.aclose()


async def test_answers_read_until_close_and_informational() -> None:
    async def legacy(reader, writer, number) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end")
        await writer.drain()
        writer.close()

    async with raw_server(legacy) as url:
        transport = UpstreamTransport(timeouts=Timeouts.of(2))
        assert await read_all(transport, Upstream.parse(url)) == (200, b"until the end")
        await transport.aclose()


async def test_truncated_answer_and_garbage_are_errors() -> None:
    async def truncated(reader, writer, number) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort")
        await writer.drain()
        writer.close()

    async def garbage(reader, writer, number) -> None:
        writer.write(b"SMTP ready\r\n\r\n")
        await writer.drain()

    async with raw_server(truncated) as url:
        transport = UpstreamTransport(timeouts=Timeouts.of(2))
        with pytest.raises(httpx.ReadError):
            await read_all(transport, Upstream.parse(url))
        await transport.aclose()
    async with raw_server(garbage) as url:
        transport = UpstreamTransport(timeouts=Timeouts.of(2))
        with pytest.raises(httpx.RemoteProtocolError):
            await read_all(transport, Upstream.parse(url))
        await transport.aclose()


async def test_early_answer_stops_the_upload() -> None:
    async def refuses(reader, writer, number) -> None:
        writer.write(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    sent: list[int] = []

    async def endless():
        for index in range(10_000):
            sent.append(index)
            yield b"z" * 65536
            await asyncio.sleep(0)

    async with raw_server(refuses) as url:
        transport = UpstreamTransport(timeouts=Timeouts.of(5))
        # the raw server reads the head only (no content-length): it answers at once
        status, body = await read_all(transport, Upstream.parse(url), "POST", body=endless())
        assert status == 413 and body == b""
        assert len(sent) < 10_000
        await transport.aclose()


async def test_read_and_pool_timeouts() -> None:
    async def silent(reader, writer, number) -> None:
        await asyncio.sleep(3)

    async with raw_server(silent) as url:
        timeouts = Timeouts(connect=1, read=0.5, write=1, pool=0.1)
        transport = UpstreamTransport(timeouts=timeouts, max_connections_per_upstream=1)
        upstream = Upstream.parse(url)
        first = asyncio.create_task(read_all(transport, upstream))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await read_all(transport, upstream)
        with pytest.raises(httpx.ReadTimeout):
            await first
        await transport.aclose()


async def test_an_httpx_client_over_the_transport(fake_services) -> None:
    _, url = fake_services["calendar"]
    async with httpx.AsyncClient(transport=UpstreamTransport(timeouts=Timeouts.of(5))) as client:
        answer = await client.post(url + "/v1/calendar/entries?x=1", json={"title_ar": "عيد"})
        assert answer.status_code == 201
        assert answer.json()["path"] == "/v1/calendar/entries"
        assert answer.json()["query"] == "x=1"
        assert answer.json()["body"] == '{"title_ar":"عيد"}'
        assert (await client.get(url + "/readyz")).json()["checks"]["database"] == "up"
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:1/")


async def test_under_uvloop(fake_services) -> None:
    """Production runs uvloop, whose transports are not asyncio.Transport subclasses."""
    uvloop = pytest.importorskip("uvloop")
    _, url = fake_services["inquiries"]

    async def scenario() -> tuple[int, int, bytes]:
        transport = UpstreamTransport(timeouts=Timeouts.of(5))
        upstream = Upstream.parse(url)

        async def upload():
            for _ in range(8):
                yield b"u" * 100_000

        status, body = await read_all(transport, upstream, "POST", body=upload())
        second = await transport.request(
            upstream, "GET", b"/v1/inquiries/stream-down?size=3000000", []
        )
        size = 0
        async for chunk in second.chunks():
            size += len(chunk)
        second.close()
        await transport.aclose()
        return status, size, body

    status, size, body = await asyncio.to_thread(uvloop.run, scenario())
    assert status == 201 and size == 3_000_000
    assert b'"body_size": 800000' in body
