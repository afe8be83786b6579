"""Shared pieces of the campaigns schemas: the base that refuses NUL characters, problem
documents, timestamps and field types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.common.i18n import text
from services.common.inputcheck import has_nul
from services.common.patterns import CODE, HTTP_URL, NOT_BLANK, SchemaPattern, matches, trim
from services.common.problems import ProblemResponses


class Body(BaseModel):
    """A request body: unknown fields refused, NUL characters refused anywhere in it
    (PostgreSQL text cannot hold them; they are never meaningful in Arabic or English)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if has_nul(data):
            raise ValueError(text("النص يحوي محرف NUL", "The text contains a NUL character"))
        return data


# the kernel's one Problem schema, with the campaigns service's wording of 403
problems = ProblemResponses(
    {403: "The caller lacks the permission, or may not decide this (problem details)."}
)


class Timestamps(BaseModel):
    created_at: datetime = Field(description="When it was created (RFC 3339).")
    updated_at: datetime = Field(description="When it last changed (RFC 3339).")


def check_url(value: str | None) -> str | None:
    """An absolute http(s) URL (`patterns.HTTP_URL`, the spec's pattern for the field)."""
    if value is None:
        return None
    if not matches(HTTP_URL, value) or not urlsplit(trim(value)).netloc:
        raise ValueError(text("رابط غير صالح (http أو https)", "Invalid URL (http or https)"))
    return trim(value)


def check_code(value: str) -> str:
    if not matches(CODE, value):
        raise ValueError(
            text(
                "الرمز حتى 50 من الأحرف اللاتينية والأرقام و . _ -",
                "A code is up to 50 of A–Z, a–z, 0–9, '.', '_', '-'",
            )
        )
    return value


Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    NOT_BLANK,
    AfterValidator(check_code),
    SchemaPattern(CODE),
]
TitleAr = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NOT_BLANK
]
TitleEn = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NOT_BLANK
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(check_url),
    SchemaPattern(HTTP_URL),
]


def reject_null(value: Any) -> Any:
    """For PATCH fields that may be omitted but never set to null."""
    if value is None:
        raise ValueError(text("لا يقبل هذا الحقل القيمة null", "This field cannot be null"))
    return value
