"""Keep-alive HTTP/1.1 connections to the services, as the transport of an httpx client.

Why not httpx's default transport: its pool (httpcore) re-checks every pooled connection
with a socket poll on each request and retries assignments under concurrency, which made
the gateway ~8× slower than the service behind it. This transport keeps, per service, a
LIFO stack of idle connections (checkout is O(1)), speaks HTTP/1.1 through an asyncio
protocol with the C `httptools` parser (the one uvicorn uses), and streams both ways with
flow control. It plugs into `httpx.AsyncClient(transport=…)` for ordinary calls, and the
proxy's hot path calls `UpstreamTransport.request` directly, without building httpx objects.

Failures are raised as httpx's own exception classes (ConnectError, ReadTimeout, …), so
callers handle one family whichever entry point they used.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from gateway.http11 import Connection, Expired, Headers, Timeouts, expire

Body = bytes | AsyncIterable[bytes] | None

_METHODS_WITH_BODY = frozenset({b"POST", b"PUT", b"PATCH"})
_IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"})
_FRAMING = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})

__all__ = ["Headers", "Timeouts", "Upstream", "UpstreamResponse", "UpstreamTransport"]


@dataclass(frozen=True, slots=True)
class Upstream:
    """A service base URL, parsed once: where to connect and what to put in front of paths."""

    scheme: str
    host: str
    port: int
    host_header: bytes
    base_path: bytes

    @classmethod
    def parse(cls, url: str) -> Upstream:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port,
            host_header=parts.netloc.rpartition("@")[2].encode("ascii"),
            base_path=parts.path.rstrip("/").encode("ascii"),
        )


@dataclass(slots=True)
class _Pool:
    idle: list[Connection] = field(default_factory=list)
    total: int = 0
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)


class UpstreamResponse:
    """Status and headers of a service's answer; its body streams from `chunks()`."""

    __slots__ = ("_conn", "_done", "_pool", "_read_timeout", "_transport", "headers", "status")

    def __init__(
        self,
        transport: UpstreamTransport,
        pool: _Pool,
        conn: Connection,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._pool = pool
        self._conn = conn
        self._read_timeout = read_timeout
        self._done = False
        self.status = conn.status
        self.headers = conn.headers

    async def chunks(self) -> AsyncIterator[bytes]:
        conn, timeout = self._conn, self._read_timeout
        while (chunk := await conn.receive_chunk(timeout)) is not None:
            yield chunk

    @property
    def at_end(self) -> bool:
        """The whole answer arrived and every chunk of it was handed out."""
        return self._conn.at_end

    def abort(self) -> None:
        """Drops the connection now; a pending read of the body fails with ReadError."""
        self._conn.close()

    def close(self) -> None:
        """Hands the connection back for reuse when the answer was read to its end."""
        if self._done:
            return
        self._done = True
        conn = self._conn
        conn.finish()
        reusable = conn.complete and conn.keep_alive and not conn.closed
        self._transport._release(self._pool, conn, reusable)


class _HttpxStream(httpx.AsyncByteStream):
    def __init__(self, response: UpstreamResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.chunks():
            yield chunk

    async def aclose(self) -> None:
        self._response.close()


class UpstreamTransport(httpx.AsyncBaseTransport):
    """Pools keep-alive connections per service; used by an httpx client and by the proxy."""

    def __init__(
        self,
        *,
        timeouts: Timeouts,
        max_connections_per_upstream: int = 512,
        max_idle_per_upstream: int = 128,
        keepalive_expiry: float = 4.0,
    ) -> None:
        self.timeouts = timeouts
        self.max_connections = max_connections_per_upstream
        self.max_idle = max_idle_per_upstream
        # Below uvicorn's 5 s keep-alive, so the service rarely closes a connection first.
        self.keepalive_expiry = keepalive_expiry
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    async def request(
        self,
        upstream: Upstream,
        method: str,
        target: bytes,
        headers: Headers,
        body: Body = None,
        content_length: int | None = None,
        timeouts: Timeouts | None = None,
    ) -> UpstreamResponse:
        """Sends one request; `headers` must not carry Host or body framing (added here).

        `body` as bytes is sent with its length; as an async iterable, with
        `content_length` when known, else chunked. Close the answer when done with it.
        """
        if self._closed:
            raise RuntimeError("the upstream transport is closed")
        timeouts = timeouts or self.timeouts
        method_bytes = method.encode("ascii")
        if b"\r" in target or b"\n" in target or b" " in target:
            raise httpx.UnsupportedProtocol("invalid request target")
        head = [method_bytes, b" ", upstream.base_path, target, b" HTTP/1.1\r\nhost: "]
        head.append(upstream.host_header)
        head.append(b"\r\n")
        for name, value in headers:
            head += (name, b": ", value, b"\r\n")
        streamed = body is not None and not isinstance(body, bytes)
        if isinstance(body, bytes):
            head.append(b"content-length: %d\r\n" % len(body))
        elif streamed and content_length is not None:
            head.append(b"content-length: %d\r\n" % content_length)
        elif streamed:
            head.append(b"transfer-encoding: chunked\r\n")
        elif method_bytes in _METHODS_WITH_BODY:
            head.append(b"content-length: 0\r\n")
        head.append(b"\r\n")
        head_bytes = b"".join(head)
        if isinstance(body, bytes) and len(body) <= 65536:
            head_bytes, body = head_bytes + body, None  # one write for the common case
        pool = self._pools.get((upstream.scheme, upstream.host, upstream.port))
        if pool is None:
            pool = self._pools[(upstream.scheme, upstream.host, upstream.port)] = _Pool()
        head_only = method_bytes == b"HEAD"
        for attempt in (0, 1):
            conn, reused = await self._acquire(pool, upstream, timeouts)
            try:
                conn.begin(head_only)
                conn.write(head_bytes)
                if isinstance(body, bytes):
                    conn.write(body)
                elif body is not None:
                    await self._send_body(conn, body, content_length is None, timeouts.write)
                await conn.receive_headers(timeouts.read)
            except (httpx.ReadError, httpx.WriteError) as exc:
                conn.finish()
                self._release(pool, conn, reusable=False)
                # A kept-alive connection the service had just closed: replay once when the
                # request surely was not processed (nothing written) or is idempotent.
                if (
                    attempt == 0
                    and reused
                    and not conn.received_any
                    and not streamed
                    and (isinstance(exc, httpx.WriteError) or method_bytes in _IDEMPOTENT)
                ):
                    continue
                raise
            except BaseException:
                conn.finish()
                self._release(pool, conn, reusable=False)
                raise
            return UpstreamResponse(self, pool, conn, timeouts.read)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_body(
        self, conn: Connection, body: AsyncIterable[bytes], chunked: bool, seconds: float | None
    ) -> None:
        try:
            async for chunk in body:
                if conn.headers_done:
                    break  # the service answered before reading everything (a 413, say)
                if not chunk:
                    continue
                if chunked:
                    conn.writelines([b"%x\r\n" % len(chunk), chunk, b"\r\n"])
                else:
                    conn.write(chunk)
                await conn.drain(seconds)
            else:
                if chunked:
                    conn.write(b"0\r\n\r\n")
                return
        except httpx.WriteError:
            if not conn.headers_done:
                raise
        # The body was cut short: the answer stands, the connection cannot be reused.
        conn.keep_alive = False

    async def _acquire(
        self, pool: _Pool, upstream: Upstream, timeouts: Timeouts
    ) -> tuple[Connection, bool]:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            while pool.idle:
                conn = pool.idle.pop()  # the most recently used: the least likely to be stale
                if conn.closed or now - conn.idle_since > self.keepalive_expiry:
                    self._discard(pool, conn)
                    continue
                return conn, True
            if pool.total < self.max_connections:
                break
            waiter = loop.create_future()
            pool.waiters.append(waiter)
            timer = loop.call_later(timeouts.pool, expire, waiter) if timeouts.pool else None
            try:
                await waiter
            except Expired:
                raise httpx.PoolTimeout("no free connection to the service in time") from None
            finally:
                if timer is not None:
                    timer.cancel()
                if waiter in pool.waiters:
                    pool.waiters.remove(waiter)
        pool.total += 1
        try:
            conn = await self._connect(loop, upstream, timeouts.connect)
        except BaseException:
            pool.total -= 1
            self._wake_waiter(pool)
            raise
        return conn, False

    async def _connect(
        self, loop: asyncio.AbstractEventLoop, upstream: Upstream, seconds: float | None
    ) -> Connection:
        ssl_context: ssl.SSLContext | None = None
        if upstream.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            ssl_context = self._ssl
        try:
            async with asyncio.timeout(seconds):
                _, conn = await loop.create_connection(
                    lambda: Connection(loop),
                    upstream.host,
                    upstream.port,
                    ssl=ssl_context,
                    server_hostname=upstream.host if ssl_context else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connecting to {upstream.host_header!r} timed out"
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {upstream.host_header!r}: {exc}") from exc
        return conn

    def _release(self, pool: _Pool, conn: Connection, reusable: bool) -> None:
        if reusable and not self._closed and len(pool.idle) < self.max_idle:
            conn.idle_since = conn.loop.time()
            conn.on_lost = lambda lost: self._forget_idle(pool, lost)
            pool.idle.append(conn)
        else:
            conn.on_lost = None
            conn.close()
            pool.total -= 1
        self._wake_waiter(pool)

    def _discard(self, pool: _Pool, conn: Connection) -> None:
        conn.on_lost = None
        conn.close()
        pool.total -= 1

    def _forget_idle(self, pool: _Pool, conn: Connection) -> None:
        if conn in pool.idle:
            pool.idle.remove(conn)
            conn.on_lost = None
            pool.total -= 1
            self._wake_waiter(pool)

    @staticmethod
    def _wake_waiter(pool: _Pool) -> None:
        while pool.waiters:
            waiter = pool.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    # ---- the httpx transport interface
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        upstream = Upstream.parse(str(url.copy_with(path="/", query=None, fragment=None)))
        headers: Headers = []
        content_length: int | None = None
        has_body = False
        for name, value in request.headers.raw:
            lowered = name.lower()
            if lowered in _FRAMING:
                if lowered == b"content-length":
                    content_length, has_body = int(value), True
                elif lowered == b"transfer-encoding":
                    has_body = True
                continue
            headers.append((lowered, value))
        timeout = request.extensions.get("timeout") or {}
        timeouts = Timeouts(
            timeout.get("connect", self.timeouts.connect),
            timeout.get("read", self.timeouts.read),
            timeout.get("write", self.timeouts.write),
            timeout.get("pool", self.timeouts.pool),
        )
        body: Body = None
        if has_body:
            stream = request.stream
            assert isinstance(stream, AsyncIterable)
            body = stream
        response = await self.request(
            upstream,
            request.method,
            url.raw_path,
            headers,
            body,
            content_length,
            timeouts,
        )
        return httpx.Response(
            response.status,
            headers=response.headers,
            stream=_HttpxStream(response),
            extensions={"http_version": b"HTTP/1.1"},
            request=request,
        )

    async def aclose(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            while pool.idle:
                self._discard(pool, pool.idle.pop())
            for waiter in pool.waiters:
                if not waiter.done():
                    waiter.set_exception(httpx.PoolTimeout("the upstream transport closed"))
        self._pools.clear()
