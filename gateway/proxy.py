"""The streaming reverse proxy: pooled keep-alive connections, bodies streamed both ways.

This is the hot path of the gateway, so it speaks raw ASGI: the request body goes upstream
chunk by chunk as the client sends it (or in one piece when it arrived in one message), the
response comes back chunk by chunk as the service writes it, and headers are filtered in a
single pass over the raw byte pairs. The proxy calls its transport directly: the built-in
`UpstreamTransport` (gateway/upstream.py), or aiohttp's client with
`GOVHUB_GATEWAY_TRANSPORT=aiohttp` (gateway/aiohttp_upstream.py). The gateway's own calls
(the merged spec, readiness) go through an `httpx.AsyncClient` over `UpstreamTransport`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send

from gateway.aiohttp_upstream import AiohttpResponse, AiohttpTransport
from gateway.breaker import CircuitBreaker
from gateway.headers import Headers, downstream_response_headers, upstream_request_headers
from gateway.routes import Target
from gateway.upstream import Timeouts, Upstream, UpstreamResponse, UpstreamTransport
from services.common.context import request_id_var
from services.common.errors import PROBLEM_JSON, problem_body
from services.common.i18n import text
from services.common.settings import GovhubSettings

logger = logging.getLogger("govhub.gateway")

Answer = UpstreamResponse | AiohttpResponse

# The answer to a write is read whole before its status goes out (up to this size), so a
# service that dies halfway through it turns into a 502, never a 201 cut short.
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITE_ANSWER_BUFFER_BYTES = 1 << 20


class ClientDisconnectedError(Exception):
    """The client went away while its request body was still being forwarded."""


async def _request_chunks(first: bytes, receive: Receive) -> AsyncIterator[bytes]:
    if first:
        yield first
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnectedError
        chunk: bytes = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _abort_on_disconnect(receive: Receive, response: Answer) -> None:
    """Waits for the client to go away (draining any unread body), then drops the service."""
    try:
        while (await receive())["type"] != "http.disconnect":
            pass
    except Exception:  # the body limit or a broken receive: nothing to watch any more
        return
    response.abort()


async def send_problem(
    send: Send,
    status: int,
    code: str,
    detail: str | None = None,
    headers: Headers | None = None,
    **extra: Any,
) -> None:
    """A problem answer sent straight over ASGI (the language comes from the context)."""
    body = json.dumps(problem_body(status, code, detail, **extra), ensure_ascii=False).encode()
    response_headers: Headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if headers:
        response_headers.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def _short_answer(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-length":
            return value.isdigit() and int(value) <= WRITE_ANSWER_BUFFER_BYTES
    return False


async def _send_whole(send: Send, response: Answer, target: Target, extra_headers: Headers) -> None:
    """The answer to a write, read to its end before anything goes out: a service that
    dies halfway through it gives a 502 (the client retries with its Idempotency-Key),
    never a 201 whose body stops short."""
    try:
        body = b"".join([chunk async for chunk in response.chunks()])
    except httpx.TransportError as exc:
        logger.warning("upstream %s failed while answering a write: %r", target.service, exc)
        await send_problem(
            send,
            502,
            "bad_gateway",
            text(
                f"انقطع الاتصال بخدمة {target.service} قبل اكتمال الرد؛ أعد المحاولة "
                "بمفتاح عدم التكرار نفسه",
                f"The {target.service} service went away before its answer was complete; "
                "retry with the same Idempotency-Key",
            ),
            extra_headers,
            service=target.service,
        )
        return
    finally:
        response.close()
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": downstream_response_headers(response.headers, extra_headers),
        }
    )
    await send({"type": "http.response.body", "body": body})


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(eq=False, slots=True)
class Replica:
    """One process of a service: where it listens, its circuit breaker, and how many
    requests it has in hand from this gateway."""

    upstream: Upstream
    breaker: CircuitBreaker
    in_flight: int = 0


def _in_flight(replica: Replica) -> int:
    return replica.in_flight


class Replicas:
    """A service's replicas. `order()` names the preferred first: the fewest requests in
    flight, ties taken in turn (round robin), so an even load alternates and a replica
    that is slow (its requests pile up) gets fewer new ones."""

    def __init__(self, members: list[Replica]) -> None:
        self.members = members
        self._turn = 0

    def order(self) -> list[Replica]:
        members = self.members
        if len(members) == 1:
            return members
        turn = self._turn
        self._turn = (turn + 1) % len(members)
        return sorted(members[turn:] + members[:turn], key=_in_flight)  # stable: ties in turn


def _next_allowed(candidates: Iterator[Replica]) -> Replica | None:
    """The next replica whose breaker lets this request through (closed, or its probe)."""
    for replica in candidates:
        if replica.breaker.allow():
            return replica
    return None


@dataclass(slots=True)
class _Outgoing:
    """The request as it goes upstream, built once whichever replica takes it."""

    method: str
    target: bytes
    headers: Headers
    content: bytes | AsyncIterator[bytes] | None
    content_length: int | None

    @property
    def replayable(self) -> bool:
        """Whether it may go to another replica after one failed mid-request: idempotent,
        and its body (if any) is in hand, not streaming from the client."""
        return self.method in _IDEMPOTENT and not isinstance(self.content, AsyncIterator)


class UpstreamProxy:
    """Forwards one request to a service over the pooled client and streams the answer back.

    A service with several replicas (`RouteTable.replicas`) is balanced: the replica with
    the fewest requests in flight from this gateway, ties in turn. Each replica has its own
    circuit breaker; a replica whose breaker is open is skipped. A request whose
    connection to a replica fails (refused, or not accepted in time: nothing reached it) is
    sent to the next replica, whatever its method; an idempotent one whose replica went
    away before answering is sent to the next as well. With one replica this is the proxy
    it always was: an open breaker answers 503, a refused connection 502."""

    def __init__(self, settings: GovhubSettings) -> None:
        self.timeout_seconds = settings.upstream_timeout_seconds
        self.timeouts = Timeouts.of(self.timeout_seconds)
        self.transport_name = settings.gateway_transport
        self.client: httpx.AsyncClient | None = None
        self.transport: UpstreamTransport | AiohttpTransport | None = None
        self._upstreams: dict[str, Upstream] = {}
        self._replicas: dict[str, Replicas] = {}
        self.breakers: dict[str, CircuitBreaker] = {}

    async def open(self) -> httpx.AsyncClient:
        """Builds the one pooled client of the process (called from the lifespan)."""
        if self.client is None:
            builtin = UpstreamTransport(timeouts=self.timeouts)
            if self.transport_name == "aiohttp":
                self.transport = AiohttpTransport(timeouts=self.timeouts)
            else:
                self.transport = builtin
            self.client = httpx.AsyncClient(
                transport=builtin,
                timeout=httpx.Timeout(self.timeout_seconds),
                follow_redirects=False,
                # Never pick up HTTP(S)_PROXY or .netrc from the environment.
                trust_env=False,
            )
        return self.client

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()  # closes the built-in transport and its connections
            if isinstance(self.transport, AiohttpTransport):
                await self.transport.aclose()
            self.client = None
            self.transport = None

    def breaker(self, name: str, replicated: bool = False) -> CircuitBreaker:
        """The breaker of a service (one replica: named by the service) or of one replica
        (`"<service> <host>:<port>"`, `replicated`)."""
        breaker = self.breakers.get(name)
        if breaker is None:
            meanwhile = (
                "its requests go to the other replicas until it is back"
                if replicated
                else "answering 503 until it is back"
            )
            breaker = self.breakers[name] = CircuitBreaker(name, meanwhile=meanwhile)
        return breaker

    def _upstream(self, base_url: str) -> Upstream:
        upstream = self._upstreams.get(base_url)
        if upstream is None:
            upstream = self._upstreams[base_url] = Upstream.parse(base_url)
        return upstream

    def replicas(self, target: Target) -> Replicas:
        """The replicas of the target's service, built on first use."""
        found = self._replicas.get(target.service)
        if found is None:
            members: list[Replica] = []
            for base_url in target.base_urls:
                upstream = self._upstream(base_url)
                if len(target.base_urls) == 1:
                    breaker = self.breaker(target.service)
                else:
                    name = f"{target.service} {upstream.host}:{upstream.port}"
                    breaker = self.breaker(name, replicated=True)
                members.append(Replica(upstream, breaker))
            found = self._replicas[target.service] = Replicas(members)
        return found

    async def forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        target: Target,
        extra_headers: Headers,
        body: bytes | None = None,
    ) -> None:
        """Proxies the request; `body`, when given, was already read (and is replayed)."""
        if self.transport is None:
            raise RuntimeError("the gateway lifespan has not opened the upstream client")
        replicas = self.replicas(target)
        candidates = iter(replicas.order())
        replica = _next_allowed(candidates)
        if replica is None:
            retry_after = min(member.breaker.retry_after() for member in replicas.members)
            await send_problem(
                send,
                503,
                "service_unavailable",
                text(
                    f"خدمة {target.service} متوقفة مؤقتاً؛ أعد المحاولة بعد قليل",
                    f"The {target.service} service is down for the moment; retry shortly",
                ),
                [*extra_headers, (b"retry-after", str(retry_after).encode())],
                service=target.service,
            )
            return
        try:
            outgoing = await self._outgoing(scope, receive, body)
        except BaseException:
            replica.breaker.released()
            raise
        if outgoing is None:  # the client left before its body began
            replica.breaker.released()
            return
        attempt: Replica | None = replica
        while attempt is not None:
            current = attempt
            current.in_flight += 1
            try:
                attempt = await self._exchange(
                    scope, receive, send, target, extra_headers, outgoing, current, candidates
                )
            finally:
                current.in_flight -= 1
                current.breaker.released()

    async def _outgoing(
        self, scope: Scope, receive: Receive, body: bytes | None
    ) -> _Outgoing | None:
        headers, has_body, content_length = upstream_request_headers(scope, request_id_var.get())
        content: bytes | AsyncIterator[bytes] | None = None
        if body is not None:
            content = body
        elif has_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            first: bytes = message.get("body", b"")
            content = _request_chunks(first, receive) if message.get("more_body") else first
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        request_target = raw_path + b"?" + query if query else raw_path
        return _Outgoing(scope["method"], request_target, headers, content, content_length)

    async def _exchange(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        target: Target,
        extra_headers: Headers,
        outgoing: _Outgoing,
        replica: Replica,
        candidates: Iterator[Replica],
    ) -> Replica | None:
        """One attempt on one replica. Returns the replica to try next when this one failed
        in a way another may take over (and one lets the request through), else None: the
        client has its answer."""
        transport = self.transport
        assert transport is not None
        breaker = replica.breaker
        try:
            response = await transport.request(
                replica.upstream,
                outgoing.method,
                outgoing.target,
                outgoing.headers,
                outgoing.content,
                outgoing.content_length,
            )
        except ClientDisconnectedError:
            return None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            breaker.failed(exc)  # logs once, when the replica goes down
            following = _next_allowed(candidates)
            if following is not None:
                return following  # nothing reached this replica: the next one takes it
            await send_problem(
                send,
                502,
                "bad_gateway",
                text(
                    f"تعذّر الوصول إلى خدمة {target.service}",
                    f"The {target.service} service could not be reached",
                ),
                [*extra_headers, (b"retry-after", str(breaker.retry_after()).encode())],
                service=target.service,
            )
            return None
        except httpx.TimeoutException:
            logger.warning("upstream %s timed out on %s", breaker.service, scope["path"])
            await send_problem(
                send,
                504,
                "gateway_timeout",
                text(
                    f"لم تُجب خدمة {target.service} خلال {self.timeout_seconds:g} ثانية",
                    f"The {target.service} service did not answer within "
                    f"{self.timeout_seconds:g} seconds",
                ),
                extra_headers,
                service=target.service,
            )
            return None
        except httpx.UnsupportedProtocol:
            await send_problem(send, 400, "bad_request", headers=extra_headers)
            return None
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError) and outgoing.replayable:
                following = _next_allowed(candidates)
                if following is not None:
                    logger.warning(
                        "upstream %s went away on %s (%r); sent to %s",
                        breaker.service,
                        scope["path"],
                        exc,
                        following.breaker.service,
                    )
                    return following
            logger.warning("upstream %s unreachable: %r", breaker.service, exc)
            await send_problem(
                send,
                502,
                "bad_gateway",
                text(
                    f"تعذّر الوصول إلى خدمة {target.service}",
                    f"The {target.service} service could not be reached",
                ),
                extra_headers,
                service=target.service,
            )
            return None
        breaker.succeeded()
        await self._relay(scope, receive, send, target, extra_headers, response)
        return None

    async def _relay(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        target: Target,
        extra_headers: Headers,
        response: Answer,
    ) -> None:
        if scope["method"] in _WRITES and _short_answer(response.headers):
            await _send_whole(send, response, target, extra_headers)
            return
        watcher: asyncio.Future[None] | None = None
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": downstream_response_headers(response.headers, extra_headers),
                }
            )
            # Each chunk goes out as soon as it arrives; when it is known to be the last one
            # (the whole answer is in), it closes the body, so a small answer costs a single
            # body message, like an app that answers directly.
            finished = False
            async for chunk in response.chunks():
                finished = response.at_end
                if not finished and watcher is None:
                    # A long answer: stop pulling it from the service if the client leaves.
                    watcher = asyncio.ensure_future(_abort_on_disconnect(receive, response))
                await send({"type": "http.response.body", "body": chunk, "more_body": not finished})
            if not finished:
                final: Message = {"type": "http.response.body", "body": b""}
                await send(final)
        except httpx.TransportError:
            if watcher is not None and watcher.done():
                return  # the client left and the service connection was dropped on purpose
            raise
        finally:
            if watcher is not None:
                watcher.cancel()
            response.close()
