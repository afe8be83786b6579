"""Gateway upstream transports compared: a bare app vs the gateway in front of it, with wrk.

    .venv/bin/uv sync --frozen --group bench   # aiohttp and httpx-aiohttp
    .venv/bin/python -m bench.transport_compare [--duration 10] [--repeats 3]

Starts, on loopback only, a bare Starlette app answering a small JSON on every path (uvicorn,
one process) and one gateway process per transport, all pointed at that app; then drives
each target with `wrk -t2 -c32` (2 s warm-up, then the measured run), the targets
interleaved and the whole round repeated, and prints the medians. Every process it starts
it stops again by its pid; every run is bounded in time.

Transports (BENCH_TRANSPORT in a gateway process):
  custom         the gateway as it is: gateway/upstream.py + gateway/http11.py
  gateway-aiohttp  the gateway with GOVHUB_GATEWAY_TRANSPORT=aiohttp (gateway/aiohttp_upstream.py)
  httpx          httpx.AsyncClient with httpx's default transport (httpcore's pool)
  httpx-aiohttp  httpx.AsyncClient over httpx_aiohttp.AiohttpTransport (aiohttp's pool)
  httpx-aiohttp-direct  the same transport, called directly by the proxy (no client.send)
  aiohttp        aiohttp.ClientSession used by the proxy directly
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from fastapi import FastAPI
from httpx_aiohttp import AiohttpTransport
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from yarl import URL

from gateway.app import create_gateway_app
from gateway.headers import Headers, downstream_response_headers, upstream_request_headers
from gateway.proxy import (
    ClientDisconnectedError,
    UpstreamProxy,
    _request_chunks,
    send_problem,
)
from gateway.routes import Target
from services.common.context import request_id_var
from services.common.i18n import text
from services.common.settings import SERVICE_NAMES, GovhubSettings

ROOT = Path(__file__).resolve().parents[1]
PATH = "/v1/organizations/7f1c0b9e"  # owned by the directory: proxied to the bare app
AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


# ---- the bare app
async def _item(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["rest"], "name_ar": "أمانة", "active": True})


def bare_app() -> Starlette:
    return Starlette(routes=[Route("/{rest:path}", _item)])


# ---- the library candidates, as the gateway's proxy would use them
def _session(timeout: float) -> aiohttp.ClientSession:
    """One aiohttp pool for a proxy: no cookie jar, no added headers, no decompression."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=4.0),
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=AUTO_HEADERS,
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=timeout, sock_read=timeout
        ),
    )


def _target(scope: Scope) -> str:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return (raw_path + b"?" + query if query else raw_path).decode("latin-1")


async def _request_content(
    receive: Receive, has_body: bool, body: bytes | None
) -> tuple[bool, bytes | AsyncIterator[bytes] | None]:
    if body is not None:
        return True, body
    if not has_body:
        return True, None
    message = await receive()
    if message["type"] == "http.disconnect":
        return False, None
    first: bytes = message.get("body", b"")
    return True, _request_chunks(first, receive) if message.get("more_body") else first


async def _answer_failure(
    proxy: UpstreamProxy, send: Send, target: Target, extra: Headers, timed_out: bool
) -> None:
    if timed_out:
        await send_problem(
            send,
            504,
            "gateway_timeout",
            text(
                f"لم تُجب خدمة {target.service} خلال {proxy.timeout_seconds:g} ثانية",
                f"The {target.service} service did not answer within "
                f"{proxy.timeout_seconds:g} seconds",
            ),
            extra,
            service=target.service,
        )
    else:
        await send_problem(
            send,
            502,
            "bad_gateway",
            text(
                f"تعذّر الوصول إلى خدمة {target.service}",
                f"The {target.service} service could not be reached",
            ),
            extra,
            service=target.service,
        )


async def _stream_back(
    receive: Receive,
    send: Send,
    status: int,
    headers: Headers,
    length: int | None,
    chunks: AsyncIterator[bytes],
    abort: Callable[[], object],
) -> None:
    """Sends the answer on as it comes; a client leaving mid-answer drops the service."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    received, finished = 0, False
    watcher: asyncio.Future[None] | None = None
    try:
        async for chunk in chunks:
            received += len(chunk)
            finished = length is not None and received >= length
            if not finished and watcher is None:
                watcher = asyncio.ensure_future(_abort_on_disconnect(receive, abort))
            await send({"type": "http.response.body", "body": chunk, "more_body": not finished})
        if not finished:
            await send({"type": "http.response.body", "body": b""})
    except Exception:
        if watcher is not None and watcher.done():
            return  # the client left and the service connection was dropped on purpose
        raise
    finally:
        if watcher is not None:
            watcher.cancel()


async def _abort_on_disconnect(receive: Receive, abort: Callable[[], object]) -> None:
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    except Exception:
        return
    abort()


def _drop(response: httpx.Response) -> None:
    """httpx cannot drop a connection mid-read: reach the aiohttp response underneath."""
    stream: Any = response.stream
    stream = getattr(stream, "_stream", stream)  # client.send wraps it in BoundAsyncStream
    stream._aiohttp_response.close()


class HttpxAiohttpProxy(UpstreamProxy):
    """The pooled httpx.AsyncClient over httpx-aiohttp's AiohttpTransport."""

    async def open(self) -> httpx.AsyncClient:
        if self.client is None:
            transport = AiohttpTransport(client=_session(self.timeout_seconds))
            self.client = httpx.AsyncClient(
                transport=transport,
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
                trust_env=False,
            )
        return self.client

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    async def forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        target: Target,
        extra_headers: Headers,
        body: bytes | None = None,
    ) -> None:
        assert self.client is not None
        headers, has_body, content_length = upstream_request_headers(scope, request_id_var.get())
        go_on, content = await _request_content(receive, has_body, body)
        if not go_on:
            return
        if content_length is not None and not isinstance(content, bytes):
            headers.append((b"content-length", b"%d" % content_length))
        request = httpx.Request(
            scope["method"], target.base_url + _target(scope), headers=headers, content=content
        )
        try:
            response = await self._send(request)
        except ClientDisconnectedError:
            return
        except httpx.TransportError as exc:
            # httpx-aiohttp maps every aiohttp.ClientConnectionError (a refused connect too)
            # to ConnectTimeout: only a real timeout underneath is a 504.
            cause = exc.__cause__ or exc
            timed_out = isinstance(cause, TimeoutError | httpx.TimeoutException)
            await _answer_failure(self, send, target, extra_headers, timed_out)
            return
        try:
            length = response.headers.get("content-length")
            await _stream_back(
                receive,
                send,
                response.status_code,
                downstream_response_headers(response.headers.raw, extra_headers),
                int(length) if length and length.isdigit() else None,
                response.aiter_raw(),
                lambda: _drop(response),
            )
        finally:
            await response.aclose()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        assert self.client is not None
        return await self.client.send(request, stream=True)


class HttpxDefaultProxy(HttpxAiohttpProxy):
    """The pooled httpx.AsyncClient over httpx's default transport (httpcore)."""

    async def open(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=512, max_keepalive_connections=128),
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
                trust_env=False,
            )
        return self.client


def gateway_with_aiohttp(settings: GovhubSettings) -> UpstreamProxy:
    return UpstreamProxy(settings.model_copy(update={"gateway_transport": "aiohttp"}))


class HttpxAiohttpDirectProxy(HttpxAiohttpProxy):
    """As above, but the hot path calls the transport itself, as the gateway does now."""

    async def _send(self, request: httpx.Request) -> httpx.Response:
        assert self.client is not None
        request.extensions["timeout"] = self.timeouts._asdict()
        return await self.client._transport.handle_async_request(request)


class AiohttpProxy(UpstreamProxy):
    """aiohttp.ClientSession called by the proxy directly."""

    session: aiohttp.ClientSession | None = None

    async def open(self) -> httpx.AsyncClient:
        if self.client is None:
            self.session = _session(self.timeout_seconds)
            # the spec cache and the readiness probes share the same pool through httpx
            self.client = httpx.AsyncClient(
                transport=AiohttpTransport(client=self.session),
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
                trust_env=False,
            )
        return self.client

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
            self.session = None

    async def forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        target: Target,
        extra_headers: Headers,
        body: bytes | None = None,
    ) -> None:
        assert self.session is not None
        raw, has_body, content_length = upstream_request_headers(scope, request_id_var.get())
        go_on, content = await _request_content(receive, has_body, body)
        if not go_on:
            return
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
        if content_length is not None and not isinstance(content, bytes):
            headers.append(("content-length", str(content_length)))
        try:
            response = await self.session.request(
                scope["method"],
                URL(target.base_url + _target(scope), encoded=True),
                headers=headers,
                data=content,
                allow_redirects=False,
            )
        except ClientDisconnectedError:
            return
        except TimeoutError:
            await _answer_failure(self, send, target, extra_headers, True)
            return
        except aiohttp.ClientError:
            await _answer_failure(self, send, target, extra_headers, False)
            return
        try:
            await _stream_back(
                receive,
                send,
                response.status,
                downstream_response_headers(response.raw_headers, extra_headers),
                response.content_length,
                response.content.iter_any(),
                response.close,
            )
        except BaseException:
            response.close()
            raise
        response.release()


PROXIES: dict[str, Callable[[GovhubSettings], UpstreamProxy]] = {
    "custom": UpstreamProxy,
    "gateway-aiohttp": gateway_with_aiohttp,
    "httpx": HttpxDefaultProxy,
    "httpx-aiohttp": HttpxAiohttpProxy,
    "httpx-aiohttp-direct": HttpxAiohttpDirectProxy,
    "aiohttp": AiohttpProxy,
}


def gateway_app() -> FastAPI:
    """The gateway with the proxy named by BENCH_TRANSPORT (uvicorn --factory)."""
    app = create_gateway_app()
    state = app.state.gateway
    state.proxy = PROXIES[os.environ.get("BENCH_TRANSPORT", "custom")](state.settings)
    return app


# ---- the driver
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(argv, cwd=ROOT, env=env)


def wait_until_up(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 in {seconds:g} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", url]
    out = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if rps is None or latency is None or count is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": float(rps.group(1)),
        "requests": float(count.group(1)),
        "latency_ms": float(latency.group(1)) * scale,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--transports", default=",".join(PROXIES), help="comma-separated")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    transports = [name for name in args.transports.split(",") if name]
    unknown = set(transports) - PROXIES.keys()
    if unknown:
        raise SystemExit(f"unknown transports: {', '.join(sorted(unknown))}")

    bare_port = free_port()
    bare_url = f"http://127.0.0.1:{bare_port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOVHUB_")}
    env |= {
        "GOVHUB_ENVIRONMENT": "development",
        "GOVHUB_LOG_LEVEL": "WARNING",
        # one load generator on one address: lift the limits for the run
        "GOVHUB_RATE_LIMIT_ANONYMOUS": "100000000/minute",
        "GOVHUB_RATE_LIMIT_AUTHENTICATED": "100000000/minute",
        **{f"GOVHUB_{name.upper()}_URL": bare_url for name in SERVICE_NAMES},
    }
    processes: list[subprocess.Popen[bytes]] = []
    # label → (URL, the process whose CPU time is charged to it)
    targets: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    runs: dict[str, list[dict[str, float]]] = {}
    try:
        bare = start("bench.transport_compare:bare_app", bare_port, env)
        processes.append(bare)
        targets["bare"] = (bare_url + PATH, bare)
        for name in transports:
            port = free_port()
            gateway = start(
                "bench.transport_compare:gateway_app", port, env | {"BENCH_TRANSPORT": name}
            )
            processes.append(gateway)
            targets[f"gateway/{name}"] = (f"http://127.0.0.1:{port}{PATH}", gateway)
        for url, _ in targets.values():
            wait_until_up(url)  # for a gateway, also proves it proxies to the bare app

        runs = {label: [] for label in targets}
        for round_number in range(1, args.repeats + 1):
            for label, (url, process) in targets.items():
                wrk(url, args.warmup, args.connections)
                before = cpu_seconds(process.pid)
                result = wrk(url, args.duration, args.connections)
                spent = cpu_seconds(process.pid) - before
                result["cpu_us"] = spent * 1e6 / max(result["requests"], 1.0)
                runs[label].append(result)
                print(
                    f"round {round_number} {label:<28} {result['rps']:>8.0f} req/s "
                    f"{result['latency_ms']:>7.2f} ms {result['cpu_us']:>6.0f} µs CPU/req "
                    f"errors {result['errors']:.0f}",
                    flush=True,
                )
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    print_table(runs, args)


def print_table(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    medians = {
        label: {key: statistics.median(run[key] for run in results) for key in results[0]}
        for label, results in runs.items()
    }
    bare = medians["bare"]["rps"]
    custom = medians.get("gateway/custom", {}).get("rps")
    print(
        f"\nmedians of {args.repeats} interleaved runs: wrk -t2 -c{args.connections} "
        f"-d{args.duration}s on 127.0.0.1, {os.cpu_count()} cores shared with the servers; "
        "CPU = the target process's own (a gateway's, without the app behind it)"
    )
    header = (
        f"{'target':<28} {'req/s':>8} {'avg ms':>7} {'CPU µs/req':>10} "
        f"{'× bare':>7} {'× custom':>8} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for label, row in medians.items():
        versus_custom = f"{row['rps'] / custom:.2f}" if custom and label != "bare" else "-"
        print(
            f"{label:<28} {row['rps']:>8.0f} {row['latency_ms']:>7.2f} {row['cpu_us']:>10.0f} "
            f"{row['rps'] / bare:>7.2f} {versus_custom:>8} {row['errors']:>6.0f}"
        )


if __name__ == "__main__":
    main()
