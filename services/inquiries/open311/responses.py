"""Rendering and errors of the Open311 endpoints: JSON or XML bodies, the spec's error
list instead of problem details (the route class), and the OpenAPI response documentation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.errors import DomainError
from services.common.i18n import current_language, text, title_for
from services.common.idempotency import Replay
from services.common.routing import GovhubRoute
from services.inquiries.open311 import mapping, xml
from services.inquiries.open311.errors import Open311Error
from services.inquiries.open311.schemas import Open311ErrorEntry, Open311Format

PREFIX = "/open311/v2"
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
FORMATS = ["text/xml", "application/json"]
# the inquiries service's statuses that Open311 spells differently
DOMAIN_STATUSES = {422: 400, 401: 403}


# --- rendering -------------------------------------------------------------------------------


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(
    response_format: Open311Format,
    payload: Any,
    root: str,
    item: str | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The document in the asked format: `root` holds `item` elements for a list payload."""
    if response_format == Open311Format.XML:
        body = xml.collection(root, item, payload) if item else xml.document(root, payload)
        media_type = xml.MEDIA_TYPE
    else:
        body, media_type = _json(payload), JSON_MEDIA_TYPE
    response = Response(body, status_code=status, media_type=media_type, headers=headers)
    response.headers["Content-Language"] = current_language.get()
    response.headers["Vary"] = "Accept-Language"
    return response


def _format_of(request: Request) -> Open311Format:
    asked = request.path_params.get("response_format")
    if asked == Open311Format.XML or (asked is None and request.url.path.endswith(".xml")):
        return Open311Format.XML
    return Open311Format.JSON


def error_response(request: Request, status: int, descriptions: Sequence[str]) -> Response:
    errors = [{"code": status, "description": d} for d in descriptions]
    return render(_format_of(request), errors, "errors", "error", status=status)


def _domain_descriptions(exc: DomainError) -> list[str]:
    if exc.errors:
        return [f"{mapping.FORM_FIELDS.get(e.field, e.field)}: {e.message}" for e in exc.errors]
    if exc.detail_ar and exc.detail_en:
        return [text(exc.detail_ar, exc.detail_en)]
    return [title_for(exc.code)]


class Open311Route(GovhubRoute):
    """GovhubRoute (Idempotency-Key on POST) answering every failure the Open311 way."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Replay:
                raise  # the stored response of an Idempotency-Key, replayed by the kernel
            except Open311Error as exc:
                return error_response(request, exc.status, exc.descriptions)
            except RequestValidationError as exc:
                return error_response(request, 400, mapping.validation_messages(exc.errors()))
            except DomainError as exc:
                status = DOMAIN_STATUSES.get(exc.status, exc.status)
                return error_response(request, status, _domain_descriptions(exc))
            except StarletteHTTPException as exc:
                return error_response(request, exc.status_code, [str(exc.detail)])
            # anything else (a body over the limit while streaming, a bug) is left to the
            # middleware: 413 and 500 stay problem documents

        return answer


_ERROR_EXAMPLES = {
    400: "service_code was not provided",
    403: "Invalid api_key",
    404: "jurisdiction_id 'X' was not found",
    409: "This Idempotency-Key was used for a different request",
}


def _errors_xml(status: int) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<errors><error><code>{status}</code>'
        f"<description>{_ERROR_EXAMPLES[status]}</description></error></errors>"
    )


_ERROR_DESCRIPTIONS = {
    400: "A parameter is missing or invalid, e.g. no `jurisdiction_id` while several "
    "organizations offer services, no `service_code` or location (POST), an unknown "
    "`service_code` (POST), a date window over 90 days.",
    403: "`api_key` (or bearer token) missing, invalid, or without `inquiries:write`.",
    404: "Unknown `jurisdiction_id`, `service_code`, `service_request_id` or token.",
    409: "The `Idempotency-Key` was used with another body.",
}


def documented_responses(
    summary: str, xml_example: str, *errors: int
) -> dict[int | str, dict[str, Any]]:
    documented: dict[int | str, dict[str, Any]] = {
        200: {
            "description": summary,
            "content": {"text/xml": {"schema": {"type": "string"}, "example": xml_example}},
        }
    }
    for status in errors:
        documented[status] = _error_response(status, _ERROR_DESCRIPTIONS[status])
    # (also keeps FastAPI from documenting a 422 that Open311 routes never answer)
    documented["default"] = {
        "description": "Failures outside Open311's reach are the hub's problem documents "
        "(`application/problem+json`): a body over the size limit (413), an internal error "
        "(500), and the gateway's 429, 502 and 504.",
        "content": {"application/problem+json": {"schema": {"type": "object"}}},
    }
    return documented


def _error_response(status: int, description: str) -> dict[str, Any]:
    example = [{"code": status, "description": _ERROR_EXAMPLES[status]}]
    return {
        "model": list[Open311ErrorEntry],
        "description": description + " The spec's error list, in the path's format.",
        "content": {
            "application/json": {"example": example},
            "text/xml": {"schema": {"type": "string"}, "example": _errors_xml(status)},
        },
    }


# --- discovery and services ----------------------------------------------------------------


_HOST = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def base_url(request: Request) -> str:
    """The public base URL, as the gateway forwards it (X-Forwarded-Proto/Host)."""
    proto = request.headers.get("x-forwarded-proto") or request.url.scheme
    host = request.headers.get("x-forwarded-host") or request.url.netloc
    if proto not in ("http", "https") or not _HOST.fullmatch(host):
        proto, host = request.url.scheme, request.url.netloc
    return f"{proto}://{host}{PREFIX}"
