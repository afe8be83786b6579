"""KPIs, their targets and values, series and scorecards."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from services.campaigns.domain.periods import frequency_of
from services.campaigns.schemas.common import (
    Body,
    Code,
    LongText,
    Name,
    Timestamps,
    Url,
    reject_null,
)
from services.common.attachments.references import AttachmentIds
from services.common.i18n import text
from services.common.patterns import FIGURE, NOT_BLANK, PERIOD, SchemaPattern

Direction = Literal["up", "down"]
Source = Literal[
    "inquiries.first_response", "inquiries.resolution", "inquiries.satisfaction", "inquiries.volume"
]
SOURCE_DESCRIPTION = (
    "A built-in measure whose values the hub computes from the inquiries service's events "
    "over the organization's subtree and the period, instead of typed and verified values: "
    "`inquiries.first_response` and `inquiries.resolution` (percent of the inquiries created "
    "in the period that met the target, of those whose target was met or missed), "
    "`inquiries.satisfaction` (average survey rating, 1–5), `inquiries.volume` (inquiries "
    "created). Its values are not submitted (409 `kpi_builtin`); its targets are set as "
    "any KPI's, so the scorecard colours it."
)
Frequency = Literal["monthly", "quarterly", "yearly"]
Aggregation = Literal["sum", "avg", "last"]
Unit = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), NOT_BLANK
]
Figure = Annotated[Decimal, Field(max_digits=20, decimal_places=4, allow_inf_nan=False), FIGURE]
PERIOD_DESCRIPTION = "`2027-01` (monthly), `2027-Q1` (quarterly) or `2027` (yearly)."


def check_period(value: str) -> str:
    if frequency_of(value) is None:
        raise ValueError(
            text("الفترة بصيغة 2027-01 أو 2027-Q1 أو 2027", "A period is 2027-01, 2027-Q1 or 2027")
        )
    return value


Period = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=10),
    AfterValidator(check_period),
    SchemaPattern(PERIOD),
]


_KPI_EXAMPLE: dict[str, Any] = {
    "code": "E-SERVICES-ADOPTION",
    "name_ar": "نسبة المعاملات المنجزة إلكترونياً",
    "name_en": "Share of transactions completed online",
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "unit": "percent",
    "direction": "up",
    "frequency": "monthly",
    "aggregation": "avg",
    "axis_id": "0b8f1f7e-3f44-4a59-9a51-3d5bd0c6a001",
}


class KpiCreate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [_KPI_EXAMPLE]})

    code: Code = Field(description="Stable code, unique in its organization.")
    name_ar: Name = Field(examples=[_KPI_EXAMPLE["name_ar"]])
    name_en: Name | None = None
    organization_id: uuid.UUID = Field(
        description="The owner; the KPI applies to the owner and everything below it."
    )
    unit: Unit = Field(description="percent, count, hours, SAR …", examples=["percent"])
    direction: Direction = Field(description="up: higher is better; down: lower is better.")
    frequency: Frequency = Field(description="How often values are reported.")
    aggregation: Aggregation = Field(
        description="How values roll up over periods and organizations: sum adds, avg "
        "averages, last keeps each organization's latest period and adds them."
    )
    initiative_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    axis_id: uuid.UUID | None = None
    source: Source | None = Field(None, description=SOURCE_DESCRIPTION)


class KpiUpdate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name_en": "Online share"}]})

    code: Code | None = None
    name_ar: Name | None = None
    name_en: Name | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    aggregation: Aggregation | None = None
    initiative_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    axis_id: uuid.UUID | None = None

    @field_validator("code", "name_ar", "unit", "direction", "aggregation")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class KpiOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _KPI_EXAMPLE
                | {
                    "id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                    "name_en": _KPI_EXAMPLE["name_en"],
                    "initiative_id": None,
                    "campaign_id": None,
                    "created_at": "2026-12-01T09:00:00+03:00",
                    "updated_at": "2026-12-01T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    name_ar: str
    name_en: str | None
    organization_id: uuid.UUID
    unit: str
    direction: str
    frequency: str
    aggregation: str
    initiative_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    axis_id: uuid.UUID | None
    source: str | None = Field(None, description=SOURCE_DESCRIPTION)


class TargetIn(Body):
    organization_id: uuid.UUID
    period: Period = Field(description=PERIOD_DESCRIPTION, examples=["2027-01"])
    baseline: Figure | None = Field(None, description="Where the organization started.")
    target: Figure = Field(description="What it aims for in the period.")
    amber_at: Figure | None = Field(
        None,
        description="Below the target but acceptable from here (up: ≤ target; down: ≥ "
        "target): amber instead of red.",
    )


class TargetsIn(Body):
    """The KPI's targets for the organizations of the caller's subtree: those not listed are
    removed; targets of organizations the caller does not see stay."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                            "period": "2027-01",
                            "baseline": "55",
                            "target": "70",
                            "amber_at": "65",
                        }
                    ]
                }
            ]
        }
    )

    items: list[TargetIn] = Field(max_length=10_000)


class TargetOut(BaseModel):
    organization_id: uuid.UUID
    period: str
    baseline: Decimal | None
    target: Decimal
    amber_at: Decimal | None


class TargetsOut(BaseModel):
    kpi_id: uuid.UUID
    items: list[TargetOut]


class ValueIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "period": "2027-01",
                    "value": "68.5",
                    "evidence_url": "https://example.gov.sa/kpi/2027-01.xlsx",
                    "comment": "بيانات نظام بلدي لشهر يناير",
                }
            ]
        }
    )

    organization_id: uuid.UUID = Field(description="Whose figure it is.")
    period: Period = Field(description=PERIOD_DESCRIPTION + " Must match the KPI's frequency.")
    value: Figure
    evidence_url: Url | None = None
    comment: LongText | None = None
    attachment_ids: AttachmentIds = Field(
        default_factory=list,
        description="Evidence files uploaded with `POST /v1/attachments` (read them with "
        "`GET /v1/attachments?owner_id=<value id>`).",
    )


class DecisionIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "مطابق للمصدر"}]})

    comment: LongText | None = Field(None, description="Why (shown to the submitter).")


class ValueOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908",
                    "kpi_id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "period": "2027-01",
                    "value": "68.5000",
                    "evidence_url": "https://example.gov.sa/kpi/2027-01.xlsx",
                    "comment": "بيانات نظام بلدي لشهر يناير",
                    "status": "submitted",
                    "source": None,
                    "submitted_by": "b1c2d3e4-f5a6-4789-8abc-def012345678",
                    "decided_by": None,
                    "decided_at": None,
                    "decision_comment": None,
                    "created_at": "2027-02-02T10:00:00+03:00",
                    "updated_at": "2027-02-02T10:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    kpi_id: uuid.UUID
    organization_id: uuid.UUID
    period: str
    value: Decimal
    evidence_url: str | None
    comment: str | None
    status: str = Field(description="submitted, verified or rejected.")
    source: str | None = Field(description="Set on built-in KPIs fed by events.")
    submitted_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None


Status = Literal["green", "amber", "red"]


class SeriesPoint(BaseModel):
    period: str
    value: Decimal | None = Field(description="Verified value (rolled up when asked).")
    target: Decimal | None
    baseline: Decimal | None
    amber_at: Decimal | None
    status: Status | None = Field(description="green, amber or red; null without data.")
    organizations: int = Field(description="Organizations whose verified values count.")


class SeriesOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kpi_id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "rollup": True,
                    "aggregation": "avg",
                    "points": [
                        {
                            "period": "2027-01",
                            "value": "66.2500",
                            "target": "70.0000",
                            "baseline": "55.0000",
                            "amber_at": "65.0000",
                            "status": "amber",
                            "organizations": 4,
                        }
                    ],
                }
            ]
        }
    )

    kpi_id: uuid.UUID
    organization_id: uuid.UUID
    rollup: bool
    aggregation: str
    points: list[SeriesPoint]


class ScorecardLine(BaseModel):
    kpi_id: uuid.UUID
    code: str
    name_ar: str
    name_en: str | None
    unit: str
    direction: str
    frequency: str
    aggregation: str
    value: Decimal | None = Field(
        description="Verified actual over the subtree and period (a built-in KPI's: computed "
        "from the inquiries of the subtree created in the period)."
    )
    target: Decimal | None
    amber_at: Decimal | None
    status: Status | None
    organizations: int


class ScorecardOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "period": "2027",
                    "counts": {"green": 3, "amber": 1, "red": 1, "no_data": 0},
                    "items": [
                        {
                            "kpi_id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                            "code": "E-SERVICES-ADOPTION",
                            "name_ar": "نسبة المعاملات المنجزة إلكترونياً",
                            "name_en": "Share of transactions completed online",
                            "unit": "percent",
                            "direction": "up",
                            "frequency": "monthly",
                            "aggregation": "avg",
                            "value": "71.3000",
                            "target": "70.0000",
                            "amber_at": "65.0000",
                            "status": "green",
                            "organizations": 12,
                        }
                    ],
                }
            ]
        }
    )

    organization_id: uuid.UUID
    period: str
    counts: dict[str, int] = Field(description="KPIs by status (`no_data` without one).")
    items: list[ScorecardLine]
