"""Campaigns, their flights and approval history."""

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

from services.campaigns.schemas.common import (
    Body,
    Code,
    LongText,
    Timestamps,
    TitleAr,
    TitleEn,
    reject_null,
)
from services.common.i18n import text
from services.common.patterns import AMOUNT, NOT_BLANK

CampaignType = Literal["advertising", "awareness", "media", "crisis"]
Audience = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), NOT_BLANK
]
ChannelRef = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NOT_BLANK
]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2), AMOUNT]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CHANNELS_DESCRIPTION = (
    "Channel kinds (x, tv, radio, print, instagram, sms …) or channel ids of the directory."
)

_EXAMPLE: dict[str, Any] = {
    "code": "RAMADAN-AWARENESS-1448",
    "title_ar": "حملة رمضان للتوعية بسلامة الغذاء",
    "type": "awareness",
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "objective_ar": "رفع وعي الأسر بسلامة الغذاء خلال شهر رمضان",
    "audiences": ["families", "residents"],
    "channels": ["x", "tv"],
    "start_date": "2027-02-08",
    "end_date": "2027-03-09",
    "budget": "400000",
    "key_message_version_ids": ["4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a"],
}


def _dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(text("تاريخ النهاية قبل تاريخ البداية", "end_date is before start_date"))


class CampaignCreate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    code: Code
    title_ar: TitleAr = Field(examples=[_EXAMPLE["title_ar"]])
    title_en: TitleEn | None = None
    type: CampaignType
    organization_id: uuid.UUID
    initiative_id: uuid.UUID | None = None
    objective_ar: Annotated[LongText, NOT_BLANK] = Field(min_length=1)
    objective_en: LongText | None = None
    audiences: list[Audience] = Field(default_factory=list, max_length=30)
    channels: list[ChannelRef] = Field(
        default_factory=list, max_length=50, description=CHANNELS_DESCRIPTION
    )
    start_date: date
    end_date: date
    budget: Amount | None = None
    currency: Currency = "SAR"
    key_message_version_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Approved key message versions the campaign says (422 otherwise).",
    )

    @model_validator(mode="after")
    def _check(self) -> CampaignCreate:
        _dates(self.start_date, self.end_date)
        return self


class CampaignUpdate(Body):
    """Only the fields sent change. Changing the dates or channels of a pending or approved
    campaign sends it back to `pending` with a new `version`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"end_date": "2027-03-15"}]})

    code: Code | None = None
    title_ar: TitleAr | None = None
    title_en: TitleEn | None = None
    initiative_id: uuid.UUID | None = None
    objective_ar: LongText | None = None
    objective_en: LongText | None = None
    audiences: list[Audience] | None = Field(None, max_length=30)
    channels: list[ChannelRef] | None = Field(None, max_length=50)
    start_date: date | None = None
    end_date: date | None = None
    budget: Amount | None = None
    currency: Currency | None = None
    key_message_version_ids: list[uuid.UUID] | None = Field(None, max_length=50)

    @field_validator(
        "code",
        "title_ar",
        "objective_ar",
        "audiences",
        "channels",
        "start_date",
        "end_date",
        "currency",
        "key_message_version_ids",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)

    @model_validator(mode="after")
    def _check(self) -> CampaignUpdate:
        _dates(self.start_date, self.end_date)
        return self


class DecisionIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "معتمد"}]})

    comment: LongText | None = None


class DecisionOut(BaseModel):
    version: int
    action: str = Field(description="submit, approve, reject, cancel, complete or reopen.")
    actor_id: str
    comment: str | None
    created_at: datetime


class CampaignOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
                    "title_en": None,
                    "initiative_id": None,
                    "objective_en": None,
                    "currency": "SAR",
                    "status": "approved",
                    "version": 1,
                    "activation_id": None,
                    "decisions": [
                        {
                            "version": 1,
                            "action": "approve",
                            "actor_id": "b1c2d3e4-f5a6-4789-8abc-def012345678",
                            "comment": "معتمد",
                            "created_at": "2027-01-20T10:00:00+03:00",
                        }
                    ],
                    "created_at": "2027-01-10T09:00:00+03:00",
                    "updated_at": "2027-01-20T10:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    title_ar: str
    title_en: str | None
    type: str
    organization_id: uuid.UUID
    initiative_id: uuid.UUID | None
    objective_ar: str
    objective_en: str | None
    audiences: list[str]
    channels: list[str]
    start_date: date
    end_date: date
    budget: Decimal | None
    currency: str
    key_message_version_ids: list[uuid.UUID]
    status: str = Field(description="draft, pending, approved, rejected, cancelled or completed.")
    version: int = Field(description="Grows when the dates or channels change after submission.")
    activation_id: uuid.UUID | None = Field(description="The crisis activation that opened it.")


class CampaignDetail(CampaignOut):
    """A single campaign: with its approval history."""

    decisions: list[DecisionOut] = Field(description="The approval history, every version.")


class FlightCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"channel": "tv", "start_date": "2027-02-08", "end_date": "2027-02-20"}]
        }
    )

    channel: ChannelRef = Field(description=CHANNELS_DESCRIPTION)
    start_date: date
    end_date: date

    @model_validator(mode="after")
    def _check(self) -> FlightCreate:
        _dates(self.start_date, self.end_date)
        return self


class FlightUpdate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"start_date": "2027-02-10"}]})

    channel: ChannelRef | None = None
    start_date: date | None = None
    end_date: date | None = None

    @field_validator("channel", "start_date", "end_date")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class FlightOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3c4d5e6f-7081-4293-a4b5-c6d7e8f90a1b",
                    "campaign_id": "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "channel": "tv",
                    "start_date": "2027-02-08",
                    "end_date": "2027-02-20",
                    "cancelled": False,
                    "created_at": "2027-01-10T09:00:00+03:00",
                    "updated_at": "2027-01-10T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    campaign_id: uuid.UUID
    organization_id: uuid.UUID
    channel: str
    start_date: date
    end_date: date
    cancelled: bool
