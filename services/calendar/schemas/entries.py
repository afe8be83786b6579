"""Entries, their occurrences, approval state and conflicts as the API shows them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.calendar.schemas.approvals import ApprovalOut, StepOut
from services.calendar.schemas.common import (
    AUDIENCE_EXAMPLES,
    KINDS,
    ChannelRef,
    Code,
    HijriDates,
    Kind,
    LongText,
    ShortText,
    StatusName,
    Timestamps,
    TimeZoneName,
    Title,
    Visibility,
)
from services.common.attachments.references import AttachmentIds
from services.common.i18n import text

KIND_DESCRIPTION = "One of: " + ", ".join(KINDS) + "."
RRULE_DESCRIPTION = (
    "An RFC 5545 RRULE value with COUNT or UNTIL (a series ends within ten years). "
    "`RSCALE=ISLAMIC-UMALQURA` (RFC 7529) recurs on the Umm al-Qura calendar: "
    "`RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;COUNT=5` is 1 Ramadan "
    "for five years; `FREQ=MONTHLY;BYMONTHDAY=15` the 15th of every Hijri month."
)
_EXAMPLE: dict[str, Any] = {
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "kind": "press_conference",
    "title_ar": "مؤتمر صحفي لإطلاق مبادرة أنسنة المدن",
    "title_en": "Press conference: the humanizing cities initiative",
    "starts_at": "2026-03-10T10:00:00+03:00",
    "ends_at": "2026-03-10T11:00:00+03:00",
    "timezone": "Asia/Riyadh",
    "channels": ["x", "tv"],
    "audiences": ["media", "citizens"],
    "visibility": "sector",
    "location": "قاعة المؤتمرات بمقر الأمانة",
}
_WEEKLY_EXAMPLE: dict[str, Any] = {
    "kind": "meeting",
    "title_ar": "المجلس الأسبوعي لمحافظ العاصمة",
    "starts_at": "2026-01-04T19:00:00+03:00",
    "ends_at": "2026-01-04T21:00:00+03:00",
    "rrule": "FREQ=WEEKLY;BYDAY=SU;UNTIL=20261227T235959Z",
    "channels": ["majlis"],
    "audiences": ["citizens", "residents"],
}
_HIJRI_EXAMPLE: dict[str, Any] = {
    "kind": "campaign_flight",
    "title_ar": "حملة رمضان: أحياء نظيفة",
    "all_day": True,
    "start_date": "2026-02-18",
    "end_date": "2026-02-20",
    "rrule": "RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;COUNT=3",
    "channels": ["x", "instagram"],
    "audiences": ["families"],
}


FIRST_YEAR, LAST_YEAR = 1930, 2070  # the Umm al-Qura table's years, with a margin


def _in_range(*values: Any) -> None:
    for value in values:
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(
                text(
                    f"التاريخ خارج المدى {FIRST_YEAR}–{LAST_YEAR}",
                    f"Dates are between {FIRST_YEAR} and {LAST_YEAR}",
                )
            )


class _EntryFields(BaseModel):
    @model_validator(mode="after")
    def _times(self) -> Any:
        _in_range(
            getattr(self, "starts_at", None),
            getattr(self, "ends_at", None),
            getattr(self, "start_date", None),
            getattr(self, "end_date", None),
        )
        starts, ends = getattr(self, "starts_at", None), getattr(self, "ends_at", None)
        if starts is not None and ends is not None and ends <= starts:
            raise ValueError(text("ينتهي الموعد قبل أن يبدأ", "ends_at must be after starts_at"))
        first, last = getattr(self, "start_date", None), getattr(self, "end_date", None)
        if first is not None and last is not None and last < first:
            raise ValueError(
                text("ينتهي الموعد قبل أن يبدأ", "end_date must not be before start_date")
            )
        return self


def _both_or_neither(first: str, second: str) -> list[dict[str, Any]]:
    """JSON Schema for "`first` and `second` are both set (not null) or neither is"."""
    given = {"type": "string"}
    return [
        {
            "if": {"required": [one], "properties": {one: given}},
            "then": {"required": [other], "properties": {other: given}},
        }
        for one, other in ((first, second), (second, first))
    ]


# the entry's shape (`_shape` below): an all-day entry has its dates, any other its instants
_SHAPE: dict[str, Any] = {
    "if": {"required": ["all_day"], "properties": {"all_day": {"const": True}}},
    "then": {
        "required": ["start_date", "end_date"],
        "properties": {"start_date": {"type": "string"}, "end_date": {"type": "string"}},
    },
    "else": {
        "required": ["starts_at", "ends_at"],
        "properties": {"starts_at": {"type": "string"}, "ends_at": {"type": "string"}},
    },
    "allOf": _both_or_neither("external_source", "external_id"),
}


class EntryCreate(_EntryFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [_EXAMPLE, _WEEKLY_EXAMPLE, _HIJRI_EXAMPLE], **_SHAPE},
    )

    organization_id: uuid.UUID | None = Field(
        None, description="The owning organization (default: the caller's)."
    )
    kind: Kind = Field(description=KIND_DESCRIPTION)
    title_ar: Title = Field(description="Arabic title.", examples=["مؤتمر صحفي"])
    title_en: Title | None = Field(None, description="English title.")
    description_ar: LongText | None = None
    description_en: LongText | None = None
    all_day: bool = Field(False, description="true: `start_date` + `end_date` (inclusive).")
    starts_at: AwareDatetime | None = Field(None, description="Timed entries: RFC 3339.")
    ends_at: AwareDatetime | None = Field(None, description="Timed entries: after `starts_at`.")
    start_date: date | None = Field(None, description="All-day entries: the first day.")
    end_date: date | None = Field(None, description="All-day entries: the last day (inclusive).")
    timezone: TimeZoneName | None = Field(
        None, description="IANA time zone (default: the organization's).", examples=["Asia/Riyadh"]
    )
    rrule: ShortText | None = Field(None, description=RRULE_DESCRIPTION)
    exdates: list[ShortText] = Field(
        default_factory=list,
        max_length=1000,
        description="Occurrences left out: recurrence ids (`20260218T060000Z`, or "
        "`20260218` for all-day entries) or RFC 3339 instants / dates.",
    )
    channels: list[ChannelRef] = Field(
        default_factory=list,
        max_length=30,
        description="Channel kinds (`x`, `tv`, `majlis` …) or channel ids of the directory, "
        "of the owning organization or an ancestor.",
    )
    audiences: list[Code] = Field(
        default_factory=list, max_length=30, description=f"Audience codes: {AUDIENCE_EXAMPLES} …"
    )
    visibility: Visibility = Field(
        "organization",
        description="`organization`: its subtree; `sector`: the ministry tree; `public`: feeds.",
    )
    spokesperson_id: uuid.UUID | None = Field(None, description="A staff member (directory).")
    location: ShortText | None = Field(None, description="Where it takes place.")
    campaign_id: uuid.UUID | None = Field(None, description="The campaign it belongs to.")
    attachment_ids: AttachmentIds = Field(
        default_factory=list,
        description="Documents for the entry (a press kit, the speech, the poster): files "
        "uploaded with `POST /v1/attachments` by the same caller; the entry owns them and "
        "whoever reads the entry's organization's calendar reads them.",
    )
    flight_id: ShortText | None = Field(None, description="The campaign flight it stands for.")
    external_source: ShortText | None = Field(None, description="The system it comes from.")
    external_id: ShortText | None = Field(
        None, description="Its id there; (`external_source`, `external_id`) is unique."
    )
    blocks: list[Kind] = Field(
        default_factory=list, description="Blackouts: the kinds they block (empty: every kind)."
    )
    enforcement: Literal["warn", "refuse"] | None = Field(
        None,
        description="Blackouts: `warn` (a conflict) or `refuse` (submit and approve answer "
        "409 `blackout`). Default `warn`.",
    )

    @model_validator(mode="after")
    def _shape(self) -> EntryCreate:
        if self.all_day:
            if self.start_date is None or self.end_date is None:
                raise ValueError(
                    text(
                        "موعد اليوم الكامل يحتاج start_date وend_date",
                        "An all-day entry needs start_date and end_date",
                    )
                )
        elif self.starts_at is None or self.ends_at is None:
            raise ValueError(
                text("الموعد يحتاج starts_at وends_at", "A timed entry needs starts_at and ends_at")
            )
        if (self.external_id is None) != (self.external_source is None):
            raise ValueError(
                text(
                    "external_source وexternal_id يُرسلان معًا",
                    "external_source and external_id go together",
                )
            )
        return self


class EntryUpdate(_EntryFields):
    """Only the fields sent change. A change of time, recurrence, channels or audiences of
    a pending or approved entry sends it back to `pending` with a new version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"starts_at": "2026-03-11T10:00:00+03:00", "ends_at": "2026-03-11T11:00:00+03:00"},
                {"title_ar": "مؤتمر صحفي (موعد معدل)"},
            ]
        },
    )

    kind: Kind | None = None
    title_ar: Title | None = None
    title_en: Title | None = None
    description_ar: LongText | None = None
    description_en: LongText | None = None
    all_day: bool | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    timezone: TimeZoneName | None = None
    rrule: ShortText | None = None
    exdates: list[ShortText] | None = Field(None, max_length=1000)
    channels: list[ChannelRef] | None = Field(None, max_length=30)
    audiences: list[Code] | None = Field(None, max_length=30)
    visibility: Visibility | None = None
    spokesperson_id: uuid.UUID | None = None
    location: ShortText | None = None
    campaign_id: uuid.UUID | None = None
    flight_id: ShortText | None = None
    blocks: list[Kind] | None = None
    enforcement: Literal["warn", "refuse"] | None = None
    attachment_ids: AttachmentIds | None = Field(
        None, description="More documents for the entry (those it has stay)."
    )


class OccurrenceChange(BaseModel):
    """Move or cancel one occurrence (`scope=this`), or split the series there
    (`scope=following`: the new times start a new series)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"starts_at": "2026-01-11T20:00:00+03:00", "ends_at": "2026-01-11T22:00:00+03:00"},
                {"cancelled": True},
            ]
        },
    )

    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    cancelled: bool = Field(False, description="true: this occurrence (or the rest) is off.")

    @model_validator(mode="after")
    def _times(self) -> OccurrenceChange:
        _in_range(self.starts_at, self.ends_at, self.start_date, self.end_date)
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError(text("ينتهي الموعد قبل أن يبدأ", "ends_at must be after starts_at"))
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(
                text("ينتهي الموعد قبل أن يبدأ", "end_date must not be before start_date")
            )
        return self


class OccurrenceRef(BaseModel):
    entry_id: uuid.UUID
    recurrence_id: str
    organization_id: uuid.UUID
    kind: str
    title_ar: str
    starts_at: datetime
    ends_at: datetime


class ConflictOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reason": "channel",
                    "occurrence": {
                        "entry_id": "0b8e0c57-53ab-4d4f-9a9e-5e3b4a1c2d3e",
                        "recurrence_id": "20260310T070000Z",
                        "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                        "kind": "press_conference",
                        "title_ar": "مؤتمر صحفي",
                        "starts_at": "2026-03-10T07:00:00Z",
                        "ends_at": "2026-03-10T08:00:00Z",
                    },
                    "other": {
                        "entry_id": "5d2f7c1a-0e4b-4c8d-9f3a-6b7e8d9c0a1b",
                        "recurrence_id": "20260310T073000Z",
                        "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                        "kind": "social_post",
                        "title_ar": "منشور توعوي",
                        "starts_at": "2026-03-10T07:30:00Z",
                        "ends_at": "2026-03-10T07:45:00Z",
                    },
                    "value": "x",
                    "refused": False,
                }
            ]
        }
    )

    reason: Literal["channel", "audience", "spokesperson", "blackout", "occasion"]
    occurrence: OccurrenceRef = Field(description="The occurrence examined.")
    other: OccurrenceRef | None = Field(
        None, description="What it collides with (null for an occasion)."
    )
    value: str | None = Field(
        None, description="The shared channel, audience, spokesperson, or the occasion's name."
    )
    refused: bool = Field(False, description="A blackout with `enforcement: refuse`.")


class EntryOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "0b8e0c57-53ab-4d4f-9a9e-5e3b4a1c2d3e",
                    "status": "pending",
                    "version": 1,
                    "hijri": {"start": "1447-09-21", "end": "1447-09-21"},
                    "all_day": False,
                    "start_date": None,
                    "end_date": None,
                    "rrule": None,
                    "exdates": [],
                    "approval": {"steps": [], "history": []},
                    "conflicts": [],
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str = Field(description=KIND_DESCRIPTION)
    title_ar: str
    title_en: str | None
    description_ar: str | None
    description_en: str | None
    all_day: bool
    starts_at: datetime | None = Field(description="Timed entries: the first occurrence's start.")
    ends_at: datetime | None
    start_date: date | None
    end_date: date | None
    timezone: str
    rrule: str | None
    exdates: list[str]
    channels: list[str]
    audiences: list[str]
    visibility: str
    spokesperson_id: uuid.UUID | None
    location: str | None
    campaign_id: uuid.UUID | None
    flight_id: str | None
    external_source: str | None
    external_id: str | None
    blocks: list[str]
    enforcement: str | None
    status: StatusName
    version: int = Field(description="Raised by every change approvals look at.")
    hijri: HijriDates = Field(description="The first occurrence as Umm al-Qura dates.")
    series_ends_at: datetime = Field(description="When the last occurrence ends.")
    occurrence_count: int = Field(description="How many occurrences the series has.")
    split_from_id: uuid.UUID | None = Field(
        description="The series this one was split from (`scope=following`)."
    )
    suspension_id: uuid.UUID | None
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        description="Its documents: `GET /v1/attachments/{id}` and `…/content`.",
    )
    created_by: str | None
    updated_by: str | None = Field(description="Who last changed it (may not decide on it).")
    approval: ApprovalOut
    conflicts: list[ConflictOut] = Field(
        description="Collisions of its occurrences (warnings; a refusing blackout is 409)."
    )


class OccurrenceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry_id": "0b8e0c57-53ab-4d4f-9a9e-5e3b4a1c2d3e",
                    "recurrence_id": "20260104T160000Z",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "kind": "meeting",
                    "title_ar": "المجلس الأسبوعي لمحافظ العاصمة",
                    "title_en": None,
                    "status": "approved",
                    "all_day": False,
                    "starts_at": "2026-01-04T19:00:00+03:00",
                    "ends_at": "2026-01-04T21:00:00+03:00",
                    "start_date": None,
                    "end_date": None,
                    "timezone": "Asia/Bahrain",
                    "hijri": {"start": "1447-07-15", "end": "1447-07-15"},
                    "channels": ["majlis"],
                    "audiences": ["citizens"],
                    "visibility": "sector",
                    "overridden": False,
                }
            ]
        }
    )

    entry_id: uuid.UUID
    recurrence_id: str = Field(
        description="RFC 5545 RECURRENCE-ID: the original start in UTC (`20260104T160000Z`), "
        "or the date for all-day entries (`20260218`)."
    )
    organization_id: uuid.UUID
    kind: str
    title_ar: str
    title_en: str | None
    status: StatusName
    all_day: bool
    starts_at: datetime = Field(description="In the entry's time zone.")
    ends_at: datetime
    start_date: date | None
    end_date: date | None
    timezone: str
    hijri: HijriDates
    channels: list[str]
    audiences: list[str]
    visibility: str
    spokesperson_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    location: str | None = None
    overridden: bool = Field(description="Moved from its place in the series.")


class OccurrenceHit(OccurrenceOut):
    """An occurrence of the window's list; with `highlight=true` and `q`, the matching
    fragments of its entry's texts."""

    highlights: dict[str, list[str]] | None = Field(
        None,
        description="With `highlight=true` and `q`: for each text field of the entry that "
        "matches (`title_ar`, `title_en`, `description_ar`, `description_en`), up to 3 "
        "fragments around the matches, HTML-escaped, every matched word in "
        "`<mark>…</mark>` (the only markup). — المقاطع المطابقة.",
        examples=[{"title_ar": ["مؤتمر صحفي لإطلاق <mark>حملة</mark> النظافة"]}],
    )


class ApprovalItemOut(BaseModel):
    """An entry waiting for the caller's decision."""

    entry: EntryOut
    step: StepOut
