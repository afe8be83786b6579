"""Initiatives: a tree of programmes and initiatives, milestones and beneficiaries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.campaigns.domain.periods import frequency_of
from services.campaigns.schemas.common import (
    Body,
    Code,
    LongText,
    Timestamps,
    TitleAr,
    TitleEn,
    Url,
    reject_null,
)
from services.common.attachments.references import AttachmentIds
from services.common.i18n import text
from services.common.patterns import AMOUNT, PERIOD, WEIGHT_DIGITS, SchemaPattern

InitiativeStatus = Literal[
    "proposed", "approved", "in_progress", "on_hold", "completed", "cancelled"
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2), AMOUNT]
Weight = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2), WEIGHT_DIGITS]
Segment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]

_EXAMPLE: dict[str, Any] = {
    "code": "RYD-HEALTH-2027",
    "title_ar": "مبادرة التوعية بسلامة الغذاء في المطاعم",
    "title_en": "Food safety awareness in restaurants",
    "description_ar": "حملات ميدانية وزيارات توعوية لأصحاب المطاعم والعاملين فيها.",
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "participating_organization_ids": ["5a1e2b3c-4d5e-4f60-8a71-9b8c7d6e5f40"],
    "axis_id": "0b8f1f7e-3f44-4a59-9a51-3d5bd0c6a001",
    "start_date": "2027-01-01",
    "end_date": "2027-12-31",
    "budget_planned": "1500000.00",
    "currency": "SAR",
    "published": True,
}


def _dates_in_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(text("تاريخ النهاية قبل تاريخ البداية", "end_date is before start_date"))


class InitiativeCreate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    code: Code = Field(description="Stable code, unique in its organization.")
    title_ar: TitleAr = Field(description="Arabic title.", examples=[_EXAMPLE["title_ar"]])
    title_en: TitleEn | None = Field(None, description="English title.")
    description_ar: LongText | None = None
    description_en: LongText | None = None
    organization_id: uuid.UUID = Field(description="The owning organization.")
    participating_organization_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=500, description="Other organizations taking part."
    )
    axis_id: uuid.UUID = Field(description="The axis (`GET /v1/axes`).")
    parent_id: uuid.UUID | None = Field(None, description="The programme it belongs to.")
    weight: Weight = Field(
        Decimal(1),
        description="Its weight in its parent's progress, next to the parent's milestone "
        "weights (relative; default 1).",
    )
    start_date: date
    end_date: date
    budget_planned: Amount | None = None
    budget_actual: Amount | None = None
    currency: Currency = Field("SAR", description="ISO 4217 code.", examples=["SAR", "BHD"])
    status: InitiativeStatus = Field("proposed", description="Initial state.")
    published: bool = Field(False, description="Shown on `GET /v1/public/initiatives`.")

    @model_validator(mode="after")
    def _dates(self) -> InitiativeCreate:
        _dates_in_order(self.start_date, self.end_date)
        return self


class InitiativeUpdate(Body):
    """Only the fields sent change. `status` moves along the transition table
    (proposed → approved → in_progress ⇄ on_hold → completed; any open state → cancelled)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "in_progress", "budget_actual": "250000.00"}]}
    )

    code: Code | None = None
    title_ar: TitleAr | None = None
    title_en: TitleEn | None = None
    description_ar: LongText | None = None
    description_en: LongText | None = None
    organization_id: uuid.UUID | None = None
    participating_organization_ids: list[uuid.UUID] | None = Field(None, max_length=500)
    axis_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    weight: Weight | None = None
    start_date: date | None = None
    end_date: date | None = None
    budget_planned: Amount | None = None
    budget_actual: Amount | None = None
    currency: Currency | None = None
    status: InitiativeStatus | None = None
    published: bool | None = None

    @field_validator(
        "code",
        "title_ar",
        "organization_id",
        "participating_organization_ids",
        "axis_id",
        "weight",
        "start_date",
        "end_date",
        "currency",
        "status",
        "published",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)

    @model_validator(mode="after")
    def _dates(self) -> InitiativeUpdate:
        _dates_in_order(self.start_date, self.end_date)
        return self


class InitiativeOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
                    "parent_id": None,
                    "weight": "1.00",
                    "budget_actual": "250000.00",
                    "status": "in_progress",
                    "progress": "37.50",
                    "beneficiaries_target": 12000,
                    "beneficiaries_actual": 4300,
                    "created_at": "2026-12-01T09:00:00+03:00",
                    "updated_at": "2026-12-03T11:20:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    title_ar: str
    title_en: str | None
    description_ar: str | None
    description_en: str | None
    organization_id: uuid.UUID
    participating_organization_ids: list[uuid.UUID]
    axis_id: uuid.UUID
    parent_id: uuid.UUID | None
    weight: Decimal
    start_date: date
    end_date: date
    budget_planned: Decimal | None
    budget_actual: Decimal | None
    currency: str
    status: str = Field(
        description="proposed, approved, in_progress, on_hold, completed or cancelled."
    )
    published: bool
    progress: Decimal = Field(
        description="0–100, derived: the weighted mean of its milestones (100 when completed) "
        "and child initiatives (their progress). Never written by a client."
    )
    beneficiaries_target: int = Field(description="Sum of the beneficiary targets.")
    beneficiaries_actual: int = Field(description="Sum of the beneficiaries reached.")


class PublicInitiativeOut(BaseModel):
    """What citizens see of a published initiative (S0-2, S0-7): no staff data."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
                    "code": "RYD-HEALTH-2027",
                    "title_ar": _EXAMPLE["title_ar"],
                    "title_en": _EXAMPLE["title_en"],
                    "description_ar": _EXAMPLE["description_ar"],
                    "description_en": None,
                    "organization_id": _EXAMPLE["organization_id"],
                    "axis_id": _EXAMPLE["axis_id"],
                    "parent_id": None,
                    "start_date": "2027-01-01",
                    "end_date": "2027-12-31",
                    "status": "in_progress",
                    "progress": "37.50",
                    "beneficiaries_target": 12000,
                    "beneficiaries_actual": 4300,
                    "budget_planned": "1500000.00",
                    "currency": "SAR",
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    title_ar: str
    title_en: str | None
    description_ar: str | None
    description_en: str | None
    organization_id: uuid.UUID
    axis_id: uuid.UUID
    parent_id: uuid.UUID | None
    start_date: date
    end_date: date
    status: str
    progress: Decimal
    beneficiaries_target: int
    beneficiaries_actual: int
    budget_planned: Decimal | None
    currency: str


class MilestoneCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title_ar": "إطلاق الحملة الميدانية في الأحياء",
                    "due_date": "2027-03-31",
                    "weight": "25",
                }
            ]
        }
    )

    title_ar: TitleAr
    title_en: TitleEn | None = None
    due_date: date
    weight: Weight = Field(
        description="Share of the initiative (0–100]; an initiative's milestones add up to at "
        "most 100."
    )


class MilestoneUpdate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"due_date": "2027-04-15"}]})

    title_ar: TitleAr | None = None
    title_en: TitleEn | None = None
    due_date: date | None = None
    weight: Weight | None = None

    @field_validator("title_ar", "due_date", "weight")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class MilestoneComplete(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"evidence_url": "https://example.gov.sa/report.pdf"}]}
    )

    evidence_url: Url | None = Field(None, description="Link to the evidence.")
    attachment_ids: AttachmentIds = Field(
        default_factory=list,
        description="Evidence files uploaded with `POST /v1/attachments` (read them with "
        "`GET /v1/attachments?owner_id=<milestone id>`).",
    )


class MilestoneOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
                    "initiative_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "title_ar": "إطلاق الحملة الميدانية في الأحياء",
                    "title_en": None,
                    "due_date": "2027-03-31",
                    "weight": "25.00",
                    "completed_at": None,
                    "completed_by": None,
                    "evidence_url": None,
                    "overdue": False,
                    "created_at": "2026-12-01T09:00:00+03:00",
                    "updated_at": "2026-12-01T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    initiative_id: uuid.UUID
    organization_id: uuid.UUID = Field(description="The initiative's owner.")
    title_ar: str
    title_en: str | None
    due_date: date
    weight: Decimal
    completed_at: datetime | None
    completed_by: str | None
    evidence_url: str | None
    overdue: bool = Field(description="Not completed and its due date has passed.")


class BeneficiaryFigure(Body):
    organization_id: uuid.UUID = Field(description="Where the people were reached.")
    period: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=10), SchemaPattern(PERIOD)
    ] = Field(description="`2027-01`, `2027-Q1` or `2027`.", examples=["2027-Q1"])
    target: int = Field(ge=0, le=2_000_000_000)
    actual: int = Field(0, ge=0, le=2_000_000_000)
    segment: Segment | None = Field(
        None, description="Optional group: youth, women, families …", examples=["youth"]
    )

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if frequency_of(value) is None:
            raise ValueError(
                text(
                    "الفترة بصيغة 2027-01 أو 2027-Q1 أو 2027",
                    "A period is 2027-01, 2027-Q1 or 2027",
                )
            )
        return value


class BeneficiariesIn(Body):
    """The whole set of figures: what is not listed is removed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                            "period": "2027-Q1",
                            "target": 5000,
                            "actual": 3200,
                            "segment": "families",
                        }
                    ]
                }
            ]
        }
    )

    items: list[BeneficiaryFigure] = Field(max_length=5000)


class BeneficiaryOut(BaseModel):
    organization_id: uuid.UUID
    period: str
    target: int
    actual: int
    segment: str | None


class BeneficiariesOut(BaseModel):
    initiative_id: uuid.UUID
    beneficiaries_target: int
    beneficiaries_actual: int
    items: list[BeneficiaryOut]
