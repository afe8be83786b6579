"""The one place that turns errors into RFC 9457 problem details."""

from __future__ import annotations

import json
import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from services.common.errors import PROBLEM_JSON, DomainError, FieldError, problem_body
from services.common.i18n import FIELD_MESSAGES, current_language
from services.common.idempotency import Replay, replay_response
from services.common.outage import DatabaseUnavailable, is_database_unavailable, outage_log
from services.common.routing import allowed_methods

logger = logging.getLogger("govhub.errors")


def problem_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        content=json.dumps(body, ensure_ascii=False, default=str).encode(),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    pair = FIELD_MESSAGES.get(error.get("type", ""))
    if pair is None:
        msg = str(error.get("msg", "invalid"))
        # pydantic "Value error, <ours>" → keep our own text
        return msg.removeprefix("Value error, ")
    return pair[0] if current_language.get() == "ar" else pair[1]


async def handle_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(problem_body(400, "malformed_json"), 400)
    fields = [FieldError(_field_path(e.get("loc", ())), _message(e)) for e in errors]
    return problem_response(problem_body(422, "validation_failed", errors=fields), 422)


async def handle_domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(exc.to_problem(), exc.status, exc.headers or None)


async def handle_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        404: "route_not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
    }.get(exc.status_code, "bad_request")
    if exc.status_code == 404 and request.scope.get("route") is not None:
        code = "not_found"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # the path's methods across all its routes, not only the first route that matched
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
    return problem_response(problem_body(exc.status_code, code), exc.status_code, headers or None)


async def handle_replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    return replay_response(exc.record)


async def handle_driver_error(request: Request, exc: Exception) -> Response:
    """A lost database answers 503 with Retry-After (logged once per interval); any other
    driver error is a bug and goes on to the 500 handler with its traceback."""
    if not is_database_unavailable(exc):
        raise exc
    outage_log.failed(exc, request.url.path)
    unavailable = DatabaseUnavailable()
    return problem_response(unavailable.to_problem(), 503, unavailable.headers)


# what a lost database raises: SQLAlchemy's wrappers, asyncpg's own errors (the read pool and
# the intake writer use the driver directly), and the socket's
DRIVER_ERRORS: tuple[type[Exception], ...] = (
    DBAPIError,
    SQLAlchemyInterfaceError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
)


def install_handlers(app: FastAPI) -> None:
    for error in DRIVER_ERRORS:
        app.add_exception_handler(error, handle_driver_error)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(DomainError, handle_domain)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    app.add_exception_handler(Replay, handle_replay)
