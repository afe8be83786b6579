"""Request ids, JSON logs carrying them, and Prometheus metrics by route."""

from __future__ import annotations

import gc
import itertools
import logging
import os
import re
import sys
import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.context import request_id_var
from services.common.errors import PROBLEM_JSON, problem_body
from services.common.i18n import current_language, negotiate

logger = logging.getLogger("govhub.http")

REQUESTS = Counter(
    "govhub_http_requests_total", "HTTP requests answered", ["app", "method", "route", "status"]
)
LATENCY = Histogram(
    "govhub_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["app", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_OWN_HEADERS = (b"x-request-id", b"x-content-type-options")  # set here, once
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
# A request id is this process's random prefix and a counter: 32 hex digits like a uuid4's,
# unique across processes and restarts, without reading the system's random source (a
# system call) on every request. Ids are for tracing, not secrets.
_ID_PREFIX = os.urandom(10).hex()
_ID_COUNTER = itertools.count()


def _new_id_prefix() -> None:
    """A forked process (the supervisor forks its children) gets its own prefix."""
    global _ID_PREFIX, _ID_COUNTER
    _ID_PREFIX = os.urandom(10).hex()
    _ID_COUNTER = itertools.count()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_id_prefix)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFFFFFF:012x}"


# (app, method, route, status) → the labelled counter and histogram: `labels()` takes a
# lock and builds its key on every call; the set is as bounded as the metrics' own
_SERIES: dict[tuple[str, str, str, str], tuple[Counter, Histogram]] = {}


def _series(app: str, method: str, route: str, status: str) -> tuple[Counter, Histogram]:
    key = (app, method, route, status)
    found = _SERIES.get(key)
    if found is None:
        found = _SERIES[key] = (
            REQUESTS.labels(app, method, route, status),
            LATENCY.labels(app, method, route),
        )
    return found


def freeze_heap() -> None:
    """Called once started: everything built so far (modules, routes, schemas, pools) lives
    as long as the process; moved out of the collector's generations, a full collection
    no longer walks it. Those walks took tens of milliseconds and were the list's p99."""
    gc.collect()
    gc.freeze()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if json_lines:
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True


class RequestContextMiddleware:
    """Outermost middleware: request id, language, metrics, access log, last-resort 500,
    and `X-Content-Type-Options: nosniff` on every response."""

    def __init__(self, app: ASGIApp, app_name: str) -> None:
        self.app = app
        self.app_name = app_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Per-request state must be this request's own: some ASGI hosts (asgi-lifespan, used
        # by the tests) pass one shared dict, and the principal, the session and the
        # idempotency claim are kept in it.
        scope["state"] = dict(scope.get("state") or {})
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_OK.match(incoming) else new_request_id()
        rid_token = request_id_var.set(request_id)
        accept_language = headers.get(b"accept-language", b"").decode("latin-1")
        lang_token = current_language.set(negotiate(accept_language))
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                raw = [(k, v) for k, v in message.get("headers", []) if k not in _OWN_HEADERS]
                raw.append((b"x-request-id", request_id.encode()))
                # every answer, of every process: never sniffed into another media type
                raw.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if status_holder["started"]:
                logger.exception(
                    "error after the answer began on %s %s", scope["method"], scope["path"]
                )
            else:
                response = _last_resort(exc, scope)
                await response(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            method = scope["method"]
            count, latency = _series(self.app_name, method, template, str(status_holder["status"]))
            count.inc()
            latency.observe(elapsed)
            request_id_var.reset(rid_token)
            current_language.reset(lang_token)


def _last_resort(exc: Exception, scope: Scope) -> Response:
    """The answer to an error no handler took: 503 with Retry-After when it says the
    database went away (a lost connection surfacing outside a route, where the kernel's
    handlers do not reach), else a logged 500."""
    if "sqlalchemy" in sys.modules or "asyncpg" in sys.modules:  # a service, not the gateway
        from services.common.outage import DatabaseUnavailable, is_database_unavailable, outage_log

        if is_database_unavailable(exc):
            outage_log.failed(exc, scope["path"])
            unavailable = DatabaseUnavailable()
            return Response(
                content=_dumps(unavailable.to_problem()),
                status_code=503,
                media_type=PROBLEM_JSON,
                headers=unavailable.headers,
            )
    logger.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=exc)
    return Response(
        content=_dumps(problem_body(500, "internal_error")),
        status_code=500,
        media_type=PROBLEM_JSON,
    )


def _dumps(body: object) -> bytes:
    import json

    return json.dumps(body, ensure_ascii=False).encode()


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
