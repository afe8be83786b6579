"""The one documented shape of an error: RFC 9457 problem details, as every govhub service
and the gateway render them (`services.common.errors`), and the `responses=` helper that
lists a route's problem statuses in the OpenAPI spec.

One model for everyone, so the merged spec holds one `Problem` schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    field: str = Field(description="The field at fault (dotted path).", examples=["channel"])
    message: str = Field(
        description="What is wrong with it.",
        examples=["القناة ليست من قنوات الاستقبال النشطة لدى الجهة"],
    )


class Problem(BaseModel):
    """RFC 9457 problem details; `title`, `detail` and messages follow Accept-Language."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "https://govhub.example/problems/invalid-state",
                    "title": "الإجراء غير مسموح في الحالة الحالية",
                    "status": 409,
                    "detail": "لا يمكن تنفيذ «close» والحالة «new»",
                    "code": "invalid_state",
                },
                {
                    "type": "https://govhub.example/problems/validation",
                    "title": "بيانات غير صالحة",
                    "status": 422,
                    "detail": "حقل واحد أو أكثر غير صالح",
                    "code": "validation_failed",
                    "errors": [{"field": "parent_id", "message": "الجهة غير موجودة"}],
                },
            ]
        },
    )

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time.")
    code: str = Field(
        description="A stable machine word for the error.", examples=["invalid_state"]
    )
    instance: str | None = None
    errors: list[FieldProblem] | None = Field(
        None, description="For validation and field-specific errors: the fields at fault."
    )


# What each status means for any govhub route; a service words its own where it says more.
DESCRIPTIONS: Mapping[int, str] = {
    400: "Bad request, e.g. an invalid cursor (problem details).",
    401: "No token, or an invalid, expired or foreign token (problem details).",
    403: "The caller lacks the permission (problem details).",
    404: "Not found, or outside the caller's organization subtree (problem details).",
    409: "Conflicts with the current state or with existing data (problem details).",
    412: "`If-Match` names an older version (problem details).",
    413: "The body is larger than the limit (problem details).",
    415: "The body's media type is not accepted (problem details).",
    422: "The body or query is not valid; `errors` names the fields (problem details).",
    429: "Too many requests; `Retry-After` says when to try again (problem details).",
    503: "A service or the database is not available (problem details).",
}


class ProblemResponses:
    """`responses=` for routes: `problems(401, 404)` documents those statuses as problems.

    A service passes its own wording for the statuses it means more precisely."""

    def __init__(self, descriptions: Mapping[int, str] | None = None) -> None:
        self.descriptions = {**DESCRIPTIONS, **(descriptions or {})}

    def __call__(self, *statuses: int) -> dict[int | str, dict[str, Any]]:
        return {s: {"model": Problem, "description": self.descriptions[s]} for s in statuses}


problems = ProblemResponses()


PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# FastAPI documents its own 422 shape, which govhub never sends
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx answer of `spec` documented as a Problem in problem+json (in place).

    An answer that documents media types of its own besides JSON keeps them (Open311's
    error list, in JSON and XML as its path asks)."""
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for code, answer in operation.get("responses", {}).items():
                if str(code)[:1] not in {"4", "5"}:
                    continue
                if set(answer.get("content") or {}) - {"application/json", PROBLEM_MEDIA_TYPE}:
                    continue
                answer["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(PROBLEM_REF)}}
    schemas = spec.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return spec


def problem_details_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Wraps `app.openapi` so that its document goes through `apidocs.document_operations`
    (per-operation security, the kernel's problem statuses) and `document_problems` once."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from services.common.apidocs import document_operations  # it imports this module

            app.openapi_schema = document_problems(document_operations(app, original()))
        return app.openapi_schema

    return openapi
