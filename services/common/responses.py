"""JSON responses encoded in one pass, for the hottest reads.

A route that returns a model (or a dict) has FastAPI validate it against the response
model, turn it into Python primitives, and only then encode those: for data just read from
typed columns, two passes too many — most of a list page's time. `json_response` has
pydantic-core encode the data directly, with the output FastAPI would give (RFC 3339
times, UUIDs as strings, UTF-8 text as is). The route still names its `response_model`,
for the OpenAPI spec, and tests check that what it sends validates against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Response
from pydantic_core import to_json

JSON = "application/json"


def json_response(
    data: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(to_json(data), status_code, headers, JSON)


def json_id(value: Any) -> str | None:
    """An id for `json_response`, as its string. asyncpg returns its own `UUID` subclass,
    which pydantic-core encodes on a slow path (~1 µs each, six times the standard type's:
    a list page has 350 of them); its `str` is the same text, at C speed."""
    return None if value is None else str(value)
