"""The gateway's upstream calls over aiohttp's client (`GOVHUB_GATEWAY_TRANSPORT=aiohttp`).

The same face as `UpstreamTransport.request` (gateway/upstream.py) — a request goes out
with the proxy's headers and body, the answer's status and raw headers come back, and its
body streams from `chunks()` — over one `aiohttp.ClientSession` (aiohttp's keep-alive
pool). aiohttp's failures are raised as the httpx exception classes the proxy handles
(ConnectError, ConnectTimeout, ReadTimeout, ReadError, …), so either transport answers a
failure with the same 502/504 problem. bench/transport_compare.py measures the two.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import NoReturn

import aiohttp
import httpx
from yarl import URL

from gateway.http11 import Headers, Timeouts
from gateway.upstream import Body, Upstream

# Headers aiohttp would add on its own: the proxy forwards the client's, or none.
_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class AiohttpResponse:
    """Status and raw headers of a service's answer; its body streams from `chunks()`."""

    __slots__ = ("_response", "headers", "status")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: Headers = [(name.lower(), value) for name, value in response.raw_headers]

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            _raise_as_httpx(exc)

    @property
    def at_end(self) -> bool:
        """The whole answer arrived and every chunk of it was handed out."""
        return self._response.content.at_eof()

    def abort(self) -> None:
        """Drops the connection now; a pending read of the body fails."""
        self._response.close()

    def close(self) -> None:
        """Hands the connection back to aiohttp's pool (reused when the answer was read)."""
        self._response.release()


def _raise_as_httpx(exc: BaseException) -> NoReturn:
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        raise httpx.ConnectTimeout(f"connecting to the service timed out: {exc}") from exc
    if isinstance(exc, aiohttp.ClientConnectorError):
        raise httpx.ConnectError(f"cannot connect to the service: {exc}") from exc
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        raise httpx.ReadTimeout("the service did not answer in time") from exc
    if isinstance(exc, aiohttp.InvalidURL):
        raise httpx.UnsupportedProtocol(f"invalid request target: {exc}") from exc
    if isinstance(exc, aiohttp.ClientOSError):
        raise httpx.WriteError(f"the service closed the connection: {exc}") from exc
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        raise httpx.ReadError(f"the service closed the connection: {exc}") from exc
    raise httpx.RemoteProtocolError(f"invalid response from the service: {exc}") from exc


def _client_timeout(timeouts: Timeouts) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None, connect=timeouts.pool, sock_connect=timeouts.connect, sock_read=timeouts.read
    )


class AiohttpTransport:
    """One aiohttp pool for the proxy: no cookie jar, no added headers, no decompression."""

    def __init__(self, *, timeouts: Timeouts, max_connections: int = 512) -> None:
        self.timeouts = timeouts
        self.max_connections = max_connections
        self._timeout = _client_timeout(timeouts)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # built on first use, inside the running loop (aiohttp binds its session to it)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=0, limit_per_host=self.max_connections, keepalive_timeout=4.0
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=_AUTO_HEADERS,
                auto_decompress=False,
                trust_env=False,
            )
        return self._session

    async def request(
        self,
        upstream: Upstream,
        method: str,
        target: bytes,
        headers: Headers,
        body: Body = None,
        content_length: int | None = None,
        timeouts: Timeouts | None = None,
    ) -> AiohttpResponse:
        """Sends one request; `headers` must not carry Host or body framing (added here)."""
        if b"\r" in target or b"\n" in target or b" " in target:
            raise httpx.UnsupportedProtocol("invalid request target")
        timeout = self._timeout if timeouts is None else _client_timeout(timeouts)
        url = URL(
            f"{upstream.scheme}://{upstream.host_header.decode('ascii')}"
            f"{(upstream.base_path + target).decode('latin-1')}",
            encoded=True,
        )
        outgoing = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]
        data: bytes | AsyncIterable[bytes] | None = body
        if body is not None and not isinstance(body, bytes) and content_length is not None:
            outgoing.append(("Content-Length", str(content_length)))
        elif body is None and method in ("POST", "PUT", "PATCH"):
            data = b""
        try:
            response = await self._open().request(
                method,
                url,
                headers=outgoing,
                data=data,
                allow_redirects=False,
                compress=None,
                timeout=timeout,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            _raise_as_httpx(exc)
        return AiohttpResponse(response)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
