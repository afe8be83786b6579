"""Organizations (the tree) and their holidays."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.patterns import CODE, SchemaPattern
from services.common.strict import LocalTime
from services.directory.domain.vocabulary import ALLOWED_PARENTS, OrganizationKind, Weekday
from services.directory.schemas.common import (
    NameAr,
    NameEn,
    ShortName,
    Timestamps,
    check_code,
    check_timezone,
    reject_null,
)

Code = Annotated[str, Field(max_length=60), SchemaPattern(CODE)]
Weekend = Annotated[list[Weekday], Field(max_length=6)]

KIND_DESCRIPTION = (
    "ministry (وزارة), region (أمانة منطقة), municipality (بلدية), governorate (محافظة) or unit "
    "(وحدة اتصال / مركز إعلامي). Tree rules: a ministry is a root; a region sits under a "
    "ministry; a governorate is a root or sits under a ministry or region; a municipality "
    "sits under a ministry, region or governorate; a unit sits under anything, and only "
    "units sit under a unit."
)
TIMEZONE_DESCRIPTION = (
    "IANA time zone. null: inherited from the nearest ancestor (default Asia/Riyadh)."
)
WEEKEND_DESCRIPTION = (
    "Days off each week, lower-case English weekday names. null: inherited (default "
    '["friday", "saturday"], a Sunday–Thursday work week); [] means no weekend.'
)
WORK_START_DESCRIPTION = "Start of working hours, local time. null: inherited (default 08:00)."
WORK_END_DESCRIPTION = "End of working hours, local time. null: inherited (default 16:00)."

_ORG_EXAMPLE: dict[str, Any] = {
    "kind": "municipality",
    "code": "ALAHSA",
    "name_ar": "بلدية محافظة الأحساء",
    "name_en": "Al-Ahsa Municipality",
    "parent_id": "3f1c2a9e-8a51-4a0e-9d43-6d0e2a1b7c55",
    "timezone": "Asia/Riyadh",
    "weekend": ["friday", "saturday"],
    "work_start": "07:30",
    "work_end": "14:30",
}


class _WorkCalendarIn(BaseModel):
    timezone: str | None = Field(None, description=TIMEZONE_DESCRIPTION, examples=["Asia/Bahrain"])
    weekend: Weekend | None = Field(
        None, description=WEEKEND_DESCRIPTION, examples=[["friday", "saturday"]]
    )
    work_start: LocalTime | None = Field(
        None, description=WORK_START_DESCRIPTION, examples=["07:30"]
    )
    work_end: LocalTime | None = Field(None, description=WORK_END_DESCRIPTION, examples=["14:30"])

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("code", check_fields=False)
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        return check_code(value)


def _kind_is(kinds: list[str]) -> dict[str, Any]:
    return {"required": ["kind"], "properties": {"kind": {"enum": kinds}}}


# the part of the tree rule (`ALLOWED_PARENTS`) that needs no stored data: which kinds
# need a parent and which take none (the parent's own kind is checked by the service)
_PLACEMENT: Any = [
    {
        "if": _kind_is(sorted(k for k, p in ALLOWED_PARENTS.items() if None not in p)),
        "then": {"required": ["parent_id"], "properties": {"parent_id": {"type": "string"}}},
    },
    {
        "if": _kind_is(sorted(k for k, p in ALLOWED_PARENTS.items() if p == {None})),
        "then": {"properties": {"parent_id": {"type": "null"}}},
    },
]


class OrganizationCreate(_WorkCalendarIn):
    """A new organization; omitted calendar fields are inherited from the parent."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [_ORG_EXAMPLE], "allOf": _PLACEMENT}
    )

    kind: OrganizationKind = Field(description=KIND_DESCRIPTION)
    code: Code = Field(
        description="Unique short code (letters, digits, `.`, `_`, `-`; up to 50); later the "
        "Open311 `jurisdiction_id`.",
        examples=["ALAHSA"],
    )
    name_ar: NameAr = Field(description="Arabic name.", examples=["بلدية محافظة الأحساء"])
    name_en: NameEn | None = Field(
        None, description="English name.", examples=["Al-Ahsa Municipality"]
    )
    parent_id: uuid.UUID | None = Field(
        None, description="The parent organization; null for a root (sector_admin only)."
    )
    active: bool = Field(True, description="Inactive organizations get no tokens.")


class OrganizationUpdate(_WorkCalendarIn):
    """Only the fields sent change. `null` on a calendar field reverts it to the inherited
    value; a new `parent_id` moves the organization with its whole subtree."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name_ar": "أمانة الأحساء", "work_start": "08:00"},
                {"parent_id": "3f1c2a9e-8a51-4a0e-9d43-6d0e2a1b7c55"},
                {"timezone": None},
            ]
        },
    )

    kind: OrganizationKind | None = Field(None, description=KIND_DESCRIPTION)
    code: Code | None = Field(None, description="Unique short code.")
    name_ar: NameAr | None = Field(None, description="Arabic name.")
    name_en: NameEn | None = Field(None, description="English name (null clears it).")
    parent_id: uuid.UUID | None = Field(
        None, description="Move under this organization (null: make it a root, sector_admin only)."
    )
    active: bool | None = Field(None, description="Deactivate or reactivate.")

    @field_validator("kind", "code", "name_ar", "active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class EffectiveWorkCalendar(BaseModel):
    """The values in force: the organization's own, else the nearest ancestor's, else the
    defaults."""

    timezone: str = Field(examples=["Asia/Riyadh"])
    weekend: list[Weekday] = Field(examples=[["friday", "saturday"]])
    work_start: LocalTime = Field(examples=["08:00:00"])
    work_end: LocalTime = Field(examples=["16:00:00"])


class OrganizationOut(Timestamps):
    """An organization: its own settings (null = inherited) and the effective ones."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "parent_id": "3f1c2a9e-8a51-4a0e-9d43-6d0e2a1b7c55",
                    "kind": "municipality",
                    "code": "ALAHSA",
                    "name_ar": "بلدية محافظة الأحساء",
                    "name_en": "Al-Ahsa Municipality",
                    "active": True,
                    "depth": 2,
                    "timezone": None,
                    "weekend": None,
                    "work_start": "07:30:00",
                    "work_end": None,
                    "effective": {
                        "timezone": "Asia/Riyadh",
                        "weekend": ["friday", "saturday"],
                        "work_start": "07:30:00",
                        "work_end": "15:00:00",
                    },
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    parent_id: uuid.UUID | None = Field(description="Parent organization; null for a root.")
    kind: OrganizationKind
    code: str
    name_ar: str
    name_en: str | None
    active: bool
    depth: int = Field(description="0 for a root, 1 for its children, …")
    timezone: str | None = Field(description="Own value; null = inherited.")
    weekend: list[Weekday] | None = Field(description="Own value; null = inherited.")
    work_start: LocalTime | None = Field(description="Own value; null = inherited.")
    work_end: LocalTime | None = Field(description="Own value; null = inherited.")
    effective: EffectiveWorkCalendar


class HolidayCreate(BaseModel):
    """A day off work for the organization and everything below it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"date": "2026-09-23", "name_ar": "اليوم الوطني", "name_en": "National Day"}
            ]
        },
    )

    date: dt.date = Field(description="The day off (local calendar date).")
    name_ar: ShortName = Field(description="Arabic name.", examples=["اليوم الوطني"])
    name_en: ShortName | None = Field(None, description="English name.", examples=["National Day"])


class HolidayOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b0d3c4e-95a3-4b71-8b0b-3ad1f5b8e1a2",
                    "organization_id": "3f1c2a9e-8a51-4a0e-9d43-6d0e2a1b7c55",
                    "date": "2026-09-23",
                    "name_ar": "اليوم الوطني",
                    "name_en": "National Day",
                    "inherited": True,
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    organization_id: uuid.UUID = Field(description="The organization that declared it.")
    date: dt.date
    name_ar: str
    name_en: str | None
    inherited: bool = Field(description="Declared by an ancestor, not by this organization.")
