"""One keep-alive HTTP/1.1 connection to a service: an asyncio protocol + httptools.

The connection carries one exchange at a time. The response is parsed by the C `httptools`
parser (the one uvicorn uses); its body is buffered up to HIGH_WATER, above which reading
from the socket pauses until the consumer catches up, and uploads wait for the socket to
drain. Waits are bounded by loop timers on the waiting future (cheaper than a cancel scope
per wait); failures surface as httpx's exception classes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import NamedTuple, cast

import httptools
import httpx

Headers = list[tuple[bytes, bytes]]

HIGH_WATER = 256 * 1024  # stop reading the service's socket above this much unread body
LOW_WATER = 64 * 1024


class Timeouts(NamedTuple):
    connect: float | None
    read: float | None
    write: float | None
    pool: float | None

    @classmethod
    def of(cls, seconds: float | None) -> Timeouts:
        return cls(seconds, seconds, seconds, seconds)


class Expired(Exception):
    """A loop timer fired before the awaited event."""


def expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(Expired())


class Connection(asyncio.Protocol):
    """One TCP connection; carries one exchange (request, response) at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.on_lost: Callable[[Connection], None] | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._active = False
        self._head_only = False
        self._informational = False
        self.received_any = False
        self.status = 0
        self.headers: Headers = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = True
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._reading_paused = False
        self._writing_paused = False
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None

    # ---- asyncio protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if not self._active or self.complete:
            # Nothing is owed while idle or after a complete answer: the stream is out of step.
            self.keep_alive = False
            self.close()
            return
        self.received_any = True
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(httpx.RemoteProtocolError(f"invalid response from the service: {exc}"))
            self.close()

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._active and not self.complete:
            if self.headers_done and self._reads_until_close():
                self.complete = True
                self.keep_alive = False
                self._wake()
            else:
                self._fail(httpx.ReadError("the service closed the connection"))
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_exception(httpx.WriteError("the service closed the connection"))
        if self.on_lost is not None:
            self.on_lost(self)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    # ---- httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self._informational = True  # 100 Continue & co: the real answer follows
            self.headers = []
            return
        self.status = status
        self.keep_alive = self._parser.should_keep_alive()
        self.headers_done = True
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)  # an upload waiting to write can stop now
        if self._head_only:
            # httptools cannot be told that a HEAD answer has no body: end here, don't reuse
            self.complete = True
            self.keep_alive = False
        self._wake()

    def on_body(self, body: bytes) -> None:
        if self._head_only:
            return
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._reading_paused and self.transport:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self.complete = True
        self._wake()

    # ---- the exchange
    def begin(self, head_only: bool) -> None:
        # Only fresh connections and ones whose last answer completed get here, so the
        # parser is at a message boundary and is reused.
        self._active = True
        self._head_only = head_only
        self._informational = False
        self.received_any = False
        self.status = 0
        self.headers = []
        self.headers_done = False
        self.complete = False
        self._error = None

    def finish(self) -> None:
        self._active = False

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise httpx.WriteError("the service closed the connection")
        self.transport.write(data)

    def writelines(self, data: list[bytes]) -> None:
        if self.closed or self.transport is None:
            raise httpx.WriteError("the service closed the connection")
        self.transport.writelines(data)

    async def drain(self, seconds: float | None) -> None:
        if self._writing_paused and not self.closed:
            self._drain_waiter = self.loop.create_future()
            try:
                await self._wait(self._drain_waiter, seconds)
            except Expired:
                raise httpx.WriteTimeout("the service did not accept the body in time") from None

    async def receive_headers(self, seconds: float | None) -> None:
        while not self.headers_done:
            if self._error is not None:
                raise self._error
            try:
                await self._wait(self._new_waiter(), seconds)
            except Expired:
                raise httpx.ReadTimeout("the service did not answer in time") from None

    async def receive_chunk(self, seconds: float | None) -> bytes | None:
        while True:
            if self._body:
                chunk = self._body.popleft()
                self._buffered -= len(chunk)
                if self._reading_paused and self._buffered <= LOW_WATER and self.transport:
                    self._reading_paused = False
                    self.transport.resume_reading()
                return chunk
            if self.complete:
                return None
            if self._error is not None:
                raise self._error
            try:
                await self._wait(self._new_waiter(), seconds)
            except Expired:
                raise httpx.ReadTimeout("the service stopped sending in time") from None

    @property
    def at_end(self) -> bool:
        return self.complete and not self._body

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # ---- helpers
    def _new_waiter(self) -> asyncio.Future[None]:
        self._waiter = self.loop.create_future()
        return self._waiter

    async def _wait(self, waiter: asyncio.Future[None], seconds: float | None) -> None:
        if seconds is None:
            await waiter
            return
        timer = self.loop.call_later(seconds, expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self.keep_alive = False
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_exception(error)

    def _reads_until_close(self) -> bool:
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == b"content-length" or (
                lowered == b"transfer-encoding" and b"chunked" in value.lower()
            ):
                return False
        return True
