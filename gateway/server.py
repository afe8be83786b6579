"""The gateway's HTTP server: uvicorn with a deadline on reading a request's head.

uvicorn closes a keep-alive connection that stays silent after a response
(`timeout_keep_alive`), but not one that never sends a request, nor one that sends its
head a byte at a time: each byte re-arms nothing and cancels the keep-alive timer, so 500
such clients held 500 connections for as long as they liked. `GuardedHttpToolsProtocol`
gives every request head (from the connection's start, or from the previous response) an
absolute deadline, `header_timeout`; a head not complete by then closes the connection.
Bodies and answers are the proxy's business (its upstream read and write timeouts).

Run it as `python -m gateway.server` (the supervisor does); `uvicorn
gateway.app:create_gateway_app --factory` still works, without the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from services.common.settings import get_settings


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None

    def _arm_head_deadline(self) -> None:
        self._cancel_head_deadline()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_head_deadline()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # waiting for the next request's head (unless a pipelined one already started)
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        super().connection_lost(exc)


def guarded_protocol(header_timeout: float) -> type[GuardedHttpToolsProtocol]:
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"header_timeout": header_timeout},
    )


def server_config(host: str, port: int, **overrides: Any) -> uvicorn.Config:
    settings = get_settings()
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "http": guarded_protocol(settings.gateway_header_timeout_seconds),
        "timeout_keep_alive": settings.gateway_keepalive_seconds,
        "access_log": False,
        "log_level": "warning",
        "timeout_graceful_shutdown": 10,
        # the gateway alone decides whom to believe about the client's address
        # (GOVHUB_TRUSTED_PROXIES): uvicorn's own default trusts X-Forwarded-For
        "proxy_headers": False,
    }
    options.update(overrides)
    return uvicorn.Config("gateway.app:create_gateway_app", **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The govhub gateway's HTTP server.")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--no-proxy-headers",
        action="store_true",
        help="Said for the record: the server never trusts X-Forwarded-* (the gateway "
        "decides, from GOVHUB_TRUSTED_PROXIES).",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    config = server_config(args.host or settings.host, args.port or settings.port)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
