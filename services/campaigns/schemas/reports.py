"""Activity and media-coverage reports (S3-2) and their roll-up."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.campaigns.schemas.common import Body, LongText, Timestamps, TitleAr, Url, reject_null
from services.common.attachments.references import AttachmentIds
from services.common.i18n import text
from services.common.patterns import NOT_BLANK

ReportKind = Literal["activity", "media_coverage"]
Tone = Literal["positive", "neutral", "negative"]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
ChannelKind = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), NOT_BLANK
]
Reach = Annotated[int, Field(ge=0, le=2_000_000_000)]


class Activity(Body):
    title: Short = Field(examples=["زيارة ميدانية لأسواق الخضار"])
    date: date
    channel: ChannelKind = Field(
        description="Channel kind of the directory (field_visit, x, tv, majlis …).",
        examples=["field_visit"],
    )
    reach: Reach = Field(0, description="People reached.")


class Coverage(Body):
    outlet: Short = Field(examples=["صحيفة الرياض"])
    url: Url | None = None
    published_on: date
    tone: Tone
    reach: Reach = Field(0, description="Audience of the outlet for the item.")


_EXAMPLE: dict[str, Any] = {
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "kind": "media_coverage",
    "title_ar": "تقرير التغطية الإعلامية لشهر رمضان",
    "period_start": "2027-02-08",
    "period_end": "2027-03-09",
    "activities": [
        {
            "title": "جولة ميدانية على أسواق رمضان",
            "date": "2027-02-10",
            "channel": "field_visit",
            "reach": 1200,
        }
    ],
    "coverage": [
        {
            "outlet": "صحيفة الرياض",
            "url": "https://www.alriyadh.com/example",
            "published_on": "2027-02-11",
            "tone": "positive",
            "reach": 50000,
        }
    ],
}


def _check_period(
    start: date | None, end: date | None, activities: list[Activity], coverage: list[Coverage]
) -> None:
    if start is None or end is None:
        return
    if end < start:
        raise ValueError(text("نهاية الفترة قبل بدايتها", "period_end is before period_start"))
    for item in activities:
        if not start <= item.date <= end:
            raise ValueError(
                text("تاريخ نشاط خارج فترة التقرير", "An activity lies outside the period")
            )
    for cover in coverage:
        if not start <= cover.published_on <= end:
            raise ValueError(
                text("تاريخ تغطية خارج فترة التقرير", "A coverage item lies outside the period")
            )


class ReportCreate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    organization_id: uuid.UUID
    kind: ReportKind
    title_ar: TitleAr | None = None
    period_start: date
    period_end: date
    activities: list[Activity] = Field(default_factory=list, max_length=2000)
    coverage: list[Coverage] = Field(default_factory=list, max_length=2000)
    campaign_id: uuid.UUID | None = None
    initiative_id: uuid.UUID | None = None
    attachment_ids: AttachmentIds = Field(
        default_factory=list,
        description="Files the report cites (press clippings, photos of the activities), "
        "uploaded with `POST /v1/attachments`; `GET /v1/attachments?owner_id=<report id>`.",
    )

    @model_validator(mode="after")
    def _period(self) -> ReportCreate:
        _check_period(self.period_start, self.period_end, self.activities, self.coverage)
        return self


class ReportUpdate(Body):
    """While `draft` or `returned`; only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"title_ar": "تقرير الأنشطة لشهر يناير"}]}
    )

    title_ar: TitleAr | None = None
    period_start: date | None = None
    period_end: date | None = None
    activities: list[Activity] | None = Field(None, max_length=2000)
    coverage: list[Coverage] | None = Field(None, max_length=2000)
    campaign_id: uuid.UUID | None = None
    initiative_id: uuid.UUID | None = None

    @field_validator("period_start", "period_end", "activities", "coverage")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class ReportDecision(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "أضيفوا روابط التغطية"}]})

    comment: LongText | None = None


class ReportOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "9a8b7c6d-5e4f-4301-9abc-def012345678",
                    "status": "submitted",
                    "campaign_id": None,
                    "initiative_id": None,
                    "submitted_at": "2027-03-10T09:00:00+03:00",
                    "decided_at": None,
                    "decision_comment": None,
                    "created_at": "2027-03-09T12:00:00+03:00",
                    "updated_at": "2027-03-10T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    title_ar: str | None
    period_start: date
    period_end: date
    activities: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    campaign_id: uuid.UUID | None
    initiative_id: uuid.UUID | None
    status: str = Field(description="draft, submitted, accepted or returned.")
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_comment: str | None


class RollupOrganization(BaseModel):
    organization_id: uuid.UUID
    code: str | None
    name_ar: str | None
    reports: int
    activities: int
    coverage: int
    reach: int


class RollupChannel(BaseModel):
    channel: str
    activities: int
    reach: int


class RollupTone(BaseModel):
    tone: str
    coverage: int
    reach: int


class RollupOut(BaseModel):
    """The ministry's unified information center: everything filed below it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "from": "2027-01-01",
                    "to": "2027-03-31",
                    "totals": {"reports": 14, "activities": 85, "coverage": 40, "reach": 910000},
                    "by_organization": [
                        {
                            "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                            "code": "RIYADH",
                            "name_ar": "أمانة منطقة الرياض",
                            "reports": 5,
                            "activities": 30,
                            "coverage": 12,
                            "reach": 400000,
                        }
                    ],
                    "by_channel": [{"channel": "field_visit", "activities": 40, "reach": 20000}],
                    "by_tone": [{"tone": "positive", "coverage": 30, "reach": 700000}],
                }
            ]
        },
        populate_by_name=True,
    )

    organization_id: uuid.UUID
    from_: date = Field(alias="from")
    to: date
    totals: dict[str, int]
    by_organization: list[RollupOrganization]
    by_channel: list[RollupChannel]
    by_tone: list[RollupTone]
