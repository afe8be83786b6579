"""The app factory every service uses: lifespan-built resources, middleware, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from services.common.auth import TokenVerifier
from services.common.bodylimit import BodyLimitMiddleware
from services.common.db import (
    build_engine,
    build_read_pool,
    build_read_sessionmaker,
    build_sessionmaker,
    resolve_database_url,
)
from services.common.errors import problem_body
from services.common.handlers import install_handlers, problem_response
from services.common.health import read_hub_state
from services.common.keys import load_signing_key
from services.common.observability import (
    RequestContextMiddleware,
    configure_logging,
    freeze_heap,
    metrics_endpoint,
)
from services.common.outage import RETRY_AFTER_SECONDS, is_database_unavailable
from services.common.pool_metrics import watch_driver_pool, watch_engine
from services.common.problems import problem_details_openapi
from services.common.production import ensure_safe_to_start
from services.common.routing import GovhubRoute
from services.common.settings import GovhubSettings, get_settings

Hook = Callable[[FastAPI], Awaitable[None]]


def new_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=GovhubRoute, **kwargs)


def create_service_app(
    name: str,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    settings: GovhubSettings | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    tags: Sequence[dict[str, Any]] = (),
) -> FastAPI:
    """A service app. Nothing is opened here: the lifespan builds engines and keys."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_json)
        ensure_safe_to_start(settings, name)
        engine = build_engine(resolve_database_url(settings), settings)
        app.state.engine = engine
        app.state.sessionmaker = build_sessionmaker(engine)
        app.state.read_sessionmaker = build_read_sessionmaker(engine)
        app.state.read_pool = await build_read_pool(engine, settings)
        watch_engine(engine)
        watch_driver_pool(app.state.read_pool, "read")
        app.state.signing_key = load_signing_key(settings)
        app.state.token_verifier = TokenVerifier(settings, app.state.signing_key)
        app.state.idempotency_secret = app.state.signing_key.derived_secret(b"idempotency")
        for hook in on_startup:
            await hook(app)
        freeze_heap()
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook(app)
            await app.state.read_pool.close()
            await engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_tags=list(tags) or None,
        docs_url="/docs",
        redoc_url=None,
        # a service behind the gateway must not redirect `/v1/x/` to `/v1/x`: the
        # Location would name the service's own address; an unknown path is a 404 problem
        redirect_slashes=False,
        # metrics are Prometheus (`/metrics`); FastAPI's own OpenTelemetry hooks look for
        # providers on every request, about 50 µs each even with none configured
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.openapi = problem_details_openapi(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.service_name = name
    install_handlers(app)

    from services.common.transaction import TransactionMiddleware

    # added innermost first: the request passes RequestContext → BodyLimit → Transaction
    app.add_middleware(TransactionMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        import_limit=settings.max_import_body_bytes,
        attachment_limit=settings.attachments_body_limit,
    )
    app.add_middleware(RequestContextMiddleware, app_name=name)

    ops = new_router(tags=["operations"])

    @ops.get("/healthz", summary="Liveness", response_model=dict[str, str])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @ops.get(
        "/readyz",
        summary="Readiness: the database answers (and how the worker and outbox are)",
        response_model=None,
    )
    async def readyz() -> Any:
        try:
            async with app.state.engine.connect() as conn:
                state = await read_hub_state(conn)
        except Exception:  # whatever it is, the service cannot serve: not ready
            body = problem_body(503, "service_unavailable", checks={"database": "down"})
            return problem_response(body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        state.export()
        # the worker is reported, not required: a service answers without it (the hub's
        # /readyz at the gateway is the one that turns 503 when the worker is down)
        return JSONResponse(
            {
                "status": "ready",
                "service": name,
                "checks": {"database": "up", "worker": state.worker},
                "outbox": state.outbox(),
            }
        )

    async def service_metrics(request: Request) -> Response:
        """Prometheus metrics, with the outbox and worker gauges read just before."""
        try:
            async with app.state.engine.connect() as conn:
                (await read_hub_state(conn)).export()
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
        return await metrics_endpoint(request)

    app.add_route("/metrics", service_metrics, include_in_schema=False)
    # The routes go straight into the app's router: an included router is matched as a
    # branch (its routes tried once to choose it, then again to dispatch), which cost a
    # read by id more than its database round trip. Every route already carries its
    # router's tags and dependencies (they are applied when a route is declared).
    for router in (ops, *routers):
        app.router.routes.extend(router.routes)
    return app
