"""The gateway's header filtering, in one pass over the raw byte pairs: what goes upstream
(hop-by-hop headers dropped, forwarding headers and the request id rebuilt) and what comes
back to the client (hop-by-hop headers and the upstream's Date and Server dropped)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import Scope

Headers = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. `Proxy-*` headers
# are matched by prefix, and the names listed in `Connection` are dropped as well.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Rebuilt for the upstream: the Host is the service's own and the body framing is the
# transport's; the forwarding headers and the request id are set below. `Expect:
# 100-continue` was already answered to the client by the gateway's server.
_REBUILT = frozenset(
    {
        b"host",
        b"content-length",
        b"expect",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-request-id",
    }
)
# The gateway's server adds its own Date and Server; the upstream's would duplicate them.
_RESPONSE_REPLACED = frozenset({b"date", b"server"})


def _connection_tokens(value: bytes, into: set[bytes] | None) -> set[bytes]:
    tokens = into if into is not None else set()
    for token in value.split(b","):
        token = token.strip().lower()
        if token:
            tokens.add(token)
    return tokens


def upstream_request_headers(
    scope: Scope, request_id: str | None
) -> tuple[Headers, bool, int | None]:
    """Headers for the upstream, whether a body follows, and its declared length."""
    headers: Headers = []
    named: set[bytes] | None = None
    host = b""
    forwarded_for = b""
    chunked = False
    content_length: int | None = None
    for name, value in scope["headers"]:
        if name in HOP_BY_HOP or name.startswith(b"proxy-"):
            if name == b"connection":
                named = _connection_tokens(value, named)
            elif name == b"transfer-encoding":
                chunked = True
            continue
        if name in _REBUILT:
            if name == b"host":
                host = value
            elif name == b"content-length":
                content_length = int(value) if value.isdigit() else None
            elif name == b"x-forwarded-for":
                forwarded_for = forwarded_for + b", " + value if forwarded_for else value
            continue
        headers.append((name, value))
    if named:
        headers = [(name, value) for name, value in headers if name not in named]
    client = scope.get("client")
    if client:
        peer = client[0].encode("latin-1")
        forwarded_for = forwarded_for + b", " + peer if forwarded_for else peer
    if forwarded_for:
        headers.append((b"x-forwarded-for", forwarded_for))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
    if host:
        headers.append((b"x-forwarded-host", host))
    if request_id:
        headers.append((b"x-request-id", request_id.encode("latin-1")))
    if chunked:
        content_length = None
    has_body = chunked or bool(content_length)
    return headers, has_body, content_length


def downstream_response_headers(raw: Sequence[tuple[bytes, bytes]], extra: Headers) -> Headers:
    """The upstream's response headers without hop-by-hop ones, plus the gateway's own."""
    headers: Headers = []
    named: set[bytes] | None = None
    for raw_name, value in raw:
        name = raw_name.lower()
        if name in HOP_BY_HOP or name.startswith(b"proxy-"):
            if name == b"connection":
                named = _connection_tokens(value, named)
            continue
        if name in _RESPONSE_REPLACED:
            continue
        headers.append((name, value))
    if named:
        headers = [(name, value) for name, value in headers if name not in named]
    if extra:
        headers.extend(extra)
    return headers
