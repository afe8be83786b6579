"""The calendar's OpenAPI document: errors documented as `application/problem+json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_MEDIA_TYPE = "application/problem+json"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def problem_details_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Wraps `app.openapi`: every 4xx/5xx answer is a Problem (problem+json)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = original()
        for item in spec.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict):
                    continue
                for code, answer in operation.get("responses", {}).items():
                    if str(code)[:1] in {"4", "5"}:
                        answer["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(PROBLEM_REF)}}
        schemas = spec.get("components", {}).get("schemas", {})
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
        app.openapi_schema = spec
        return spec

    return openapi
