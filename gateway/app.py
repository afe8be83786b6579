"""The gateway: one public entry in front of the four services.

Run it with `uvicorn gateway.app:create_gateway_app --factory --no-proxy-headers` (the
gateway decides itself which proxies to believe: `GOVHUB_TRUSTED_PROXIES`). Nothing is
built at import time: the pooled upstream client and the rate-limit storage open in the
lifespan.

A request passes ProxyHeaders (only with `GOVHUB_TRUSTED_PROXIES`) → RequestContext
(request id, language, metrics) → CORS → body limit → `GatewayDispatch`, which answers
the gateway's own paths with the FastAPI routes below and sends every other path, after
the rate limit, straight to the service that owns its prefix over raw ASGI (no FastAPI
routing on the hot path).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway.headers import Headers
from gateway.openapi import (
    DESCRIPTION,
    TITLE,
    MergedSpecCache,
    SpecUnavailableError,
    gateway_operations_spec,
    swagger_assets_dir,
)
from gateway.operations import router as operations_router
from gateway.proxy import UpstreamProxy, send_problem
from gateway.ratelimit import GatewayRateLimiter, is_token_request, read_body, token_principal
from gateway.routes import RouteTable, build_route_table
from services.common.bodylimit import BodyLimitMiddleware
from services.common.errors import problem_body
from services.common.forms import AmbiguousFormError
from services.common.handlers import install_handlers, problem_response
from services.common.i18n import text
from services.common.observability import (
    RequestContextMiddleware,
    configure_logging,
    freeze_heap,
    metrics_endpoint,
)
from services.common.production import ensure_safe_to_start
from services.common.settings import GovhubSettings, get_settings

# Answered by the gateway itself and never rate limited (nor is anything under /docs/).
OWN_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect"}
)
EXPOSED_HEADERS = [
    "X-Request-ID",
    "ETag",
    "Location",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
]


@dataclass
class GatewayState:
    """What the gateway's handlers share; lives on `app.state.gateway`."""

    settings: GovhubSettings
    routes: RouteTable
    proxy: UpstreamProxy
    limiter: GatewayRateLimiter
    spec_cache: MergedSpecCache


class GatewayDispatch:
    """Innermost middleware: the gateway's own paths to FastAPI, the rest to the services."""

    def __init__(self, app: ASGIApp, state: GatewayState) -> None:
        self.app = app
        self.routes = state.routes
        self.proxy = state.proxy
        self.limiter = state.limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in OWN_PATHS or path.startswith("/docs/"):
            await self.app(scope, receive, send)
            return
        target = self.routes.match(path)
        if target is not None:
            scope["route"] = target.label  # the metrics' route label: the matched prefix
        body: bytes | None = None
        principal: str | None = None
        if is_token_request(scope):
            # The form body names the username; read it once, then replay it upstream.
            body = await read_body(receive)
            if body is None:
                return
            try:
                principal = token_principal(scope, body)
            except AmbiguousFormError as exc:
                await send_problem(
                    send,
                    400,
                    "invalid_request",
                    text(exc.reason_ar, exc.reason_en),
                    [(b"cache-control", b"no-store")],
                    error="invalid_request",
                    error_description=exc.reason_en,
                )
                return
        decision = await self.limiter.check(scope, principal)
        if not decision.allowed:
            await send_problem(
                send,
                429,
                "rate_limited",
                text(
                    f"تجاوزت عدد الطلبات المسموح؛ أعد المحاولة بعد {decision.retry_after} ثانية",
                    f"Too many requests; retry in {decision.retry_after} seconds",
                ),
                decision.headers,
            )
            return
        if target is None:
            await self.app(scope, receive, _with_headers(send, decision.headers))
            return
        await self.proxy.forward(scope, receive, send, target, decision.headers, body)


def _with_headers(send: Send, extra: Headers) -> Send:
    if not extra:
        return send

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sender


def create_gateway_app(settings: GovhubSettings | None = None) -> FastAPI:
    """The gateway app for these settings (read from `GOVHUB_*` when not given)."""
    settings = settings or get_settings()
    routes = build_route_table(settings)
    state = GatewayState(
        settings=settings,
        routes=routes,
        proxy=UpstreamProxy(settings),
        limiter=GatewayRateLimiter(settings),
        spec_cache=MergedSpecCache(routes, gateway_operations_spec),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        ensure_safe_to_start(settings, "gateway")
        # httpx logs every call at INFO; the readiness probes alone would flood the log.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        await state.proxy.open()
        try:
            await state.limiter.open()
            freeze_heap()
            yield
        finally:
            await state.limiter.close()
            await state.proxy.close()

    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},  # see services/common/app
    )
    app.state.settings = settings
    app.state.gateway = state
    install_handlers(app)
    app.include_router(operations_router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    _add_docs(app, state)

    # Added innermost first: RequestContext → CORS → BodyLimit → GatewayDispatch.
    app.add_middleware(GatewayDispatch, state=state)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        import_limit=settings.max_import_body_bytes,
        attachment_limit=settings.attachments_body_limit,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, app_name="gateway")
    if settings.trusted_proxies:
        # outermost: the client address every later step sees (the rate limits' key, the
        # X-Forwarded-For sent on) is the one a trusted proxy named, else the peer's
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def _add_docs(app: FastAPI, state: GatewayState) -> None:
    assets = swagger_assets_dir()
    asset_urls: dict[str, Any] = {}  # without the assets package: FastAPI's CDN defaults
    if assets is not None:
        app.mount("/docs/static", StaticFiles(directory=assets), name="swagger-ui")
        asset_urls = {
            "swagger_js_url": "/docs/static/swagger-ui-bundle.js",
            "swagger_css_url": "/docs/static/swagger-ui.css",
            "swagger_favicon_url": "/docs/static/favicon.png",
        }

    async def openapi_json(request: Request) -> Response:
        client = state.proxy.client
        if client is None:
            raise RuntimeError("the gateway lifespan has not opened the upstream client")
        try:
            document = await state.spec_cache.document(client)
        except SpecUnavailableError as exc:
            down = ", ".join(name for name, check in exc.checks.items() if check != "up")
            body = problem_body(
                503,
                "service_unavailable",
                text(f"تعذّر جمع التوثيق من: {down}", f"Could not collect the spec of: {down}"),
                checks=exc.checks,
            )
            return problem_response(body, 503)
        return Response(document, media_type="application/json")

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{TITLE} — API",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
            **asset_urls,
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_api_route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False)
    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/docs/oauth2-redirect", oauth2_redirect, methods=["GET"], include_in_schema=False
    )
