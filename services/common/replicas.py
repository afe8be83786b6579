"""Calls from one service to another's replicas: an httpx transport that takes turns
between them and moves on to the next when a connection cannot be made.

The gateway balances the public traffic (gateway/proxy.py); the few service-to-service
reads (the campaigns service reads the inquiries service's live crisis counts) use this,
built from `settings.service_urls(name)`: with one replica it is httpx's own transport.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import httpx


class ReplicaTransport(httpx.AsyncBaseTransport):
    """Sends each request to the next replica in turn (their base URLs' scheme, host and
    port; the request's path is kept); a refused or timed-out connection — nothing reached
    that replica — sends it to the following one, until each was tried once."""

    def __init__(
        self, base_urls: Sequence[str], inner: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not base_urls:
            raise ValueError("no replica to call")
        self.origins = [httpx.URL(url) for url in base_urls]
        self.inner = inner or httpx.AsyncHTTPTransport()
        self._turns = itertools.count()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        first = next(self._turns) % len(self.origins)
        order = self.origins[first:] + self.origins[:first]
        for index, origin in enumerate(order):
            request.url = request.url.copy_with(
                scheme=origin.scheme, host=origin.host, port=origin.port
            )
            request.headers["host"] = request.url.netloc.decode("ascii")
            try:
                return await self.inner.handle_async_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if index == len(order) - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        await self.inner.aclose()


def replica_client(base_urls: Sequence[str], timeout: float) -> httpx.AsyncClient:
    """An httpx client whose requests go to these replicas in turn (see ReplicaTransport)."""
    return httpx.AsyncClient(
        base_url=base_urls[0],
        timeout=timeout,
        transport=ReplicaTransport(base_urls),
        trust_env=False,
    )
