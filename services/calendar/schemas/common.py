"""Shared pieces of the calendar's schemas: vocabularies, problems, text checks."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.common.i18n import text
from services.common.patterns import NOT_BLANK

Kind = Literal[
    "occasion",
    "campaign_flight",
    "media_event",
    "press_conference",
    "publication",
    "social_post",
    "community_event",
    "meeting",
    "blackout",
]
KINDS: tuple[str, ...] = get_args(Kind)
StatusName = Literal["draft", "pending", "approved", "rejected", "done", "cancelled", "suspended"]
Visibility = Literal["organization", "sector", "public"]
Level = Literal["own", "parent", "ministry"]
RoleName = Literal["agent", "coordinator", "spokesperson", "unit_head", "org_admin", "sector_admin"]
AUDIENCE_EXAMPLES = (
    "citizens, residents, media, investors, youth, women, families, employees, visitors, businesses"
)


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(text("النص يحتوي على محرف NUL", "The text contains a NUL character"))
    return value


def check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            text("منطقة زمنية غير معروفة (مثل Asia/Riyadh)", "Unknown time zone (e.g. Asia/Riyadh)")
        ) from exc
    return value


def _text(max_length: int, min_length: int = 1) -> Any:
    constraints = StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length
    )
    if min_length:
        return Annotated[str, constraints, NOT_BLANK, AfterValidator(no_nul)]
    return Annotated[str, constraints, AfterValidator(no_nul)]


Title = _text(500)
# names of approval policies and occasions: their columns are varchar(300)
Name = _text(300)
LongText = _text(20_000, 0)
ShortText = _text(500)
Comment = _text(5_000, 0)
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{1,39}$"),
]
ChannelRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    NOT_BLANK,
    AfterValidator(no_nul),
]
TimeZoneName = Annotated[str, AfterValidator(check_timezone)]


class FieldProblem(BaseModel):
    field: str = Field(description="The field at fault (dotted path).", examples=["rrule"])
    message: str = Field(
        description="What is wrong with it.", examples=["قاعدة التكرار غير مفهومة"]
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
                    "detail": "لا يمكن تنفيذ «approve» والحالة «draft»",
                    "code": "invalid_state",
                }
            ]
        },
    )

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time.")
    code: str = Field(description="A stable machine word for the error.", examples=["not_found"])
    instance: str | None = None
    errors: list[FieldProblem] | None = Field(
        None, description="For validation and field-specific errors: the fields at fault."
    )


_PROBLEM_DESCRIPTIONS = {
    400: "Bad request (problem details).",
    401: "No token, or an invalid, expired or foreign token (problem details).",
    403: "The caller lacks the permission, wrote the entry it tries to decide, or the "
    "waiting step is not theirs (problem details).",
    404: "Not found, or outside what the caller sees (problem details).",
    409: "Not allowed in the current state (`invalid_state`), refused by a blackout "
    "(`blackout`), or a duplicate (problem details).",
    412: "`If-Match` names an older version (problem details).",
    415: "The body is not JSON (problem details).",
    422: "The body or query is not valid; `errors` names the fields (problem details).",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the given statuses as problem documents."""
    return {s: {"model": Problem, "description": _PROBLEM_DESCRIPTIONS[s]} for s in statuses}


class Timestamps(BaseModel):
    created_at: datetime = Field(description="When it was created (RFC 3339).")
    updated_at: datetime = Field(description="When it last changed (RFC 3339).")


class HijriDates(BaseModel):
    start: str | None = Field(
        description="The first day as an Umm al-Qura date (YYYY-MM-DD).", examples=["1447-09-01"]
    )
    end: str | None = Field(
        description="The last day as an Umm al-Qura date.", examples=["1447-09-01"]
    )
