"""Crisis playbooks and activations (S2-2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.campaigns.schemas.common import Body, LongText, Timestamps, reject_null
from services.common.i18n import text
from services.common.patterns import NOT_BLANK, TWO_NOT_BLANK

Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100), TWO_NOT_BLANK
]
ChannelRef = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NOT_BLANK
]


class Level(Body):
    level: int = Field(ge=1, le=3, description="1 (watch) … 3 (severe).")
    criteria_ar: Annotated[LongText, NOT_BLANK] = Field(
        min_length=1, examples=["هطول أمطار غزيرة وتجمعات مياه في الأحياء"]
    )
    criteria_en: LongText | None = None


def _distinct_levels(levels: list[Level] | None) -> list[Level] | None:
    if levels is not None and len({lv.level for lv in levels}) != len(levels):
        raise ValueError(text("المستويات مكررة", "Levels are repeated"))
    return levels


_EXAMPLE: dict[str, Any] = {
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "scenario_ar": "سيول وأمطار غزيرة تغمر الأنفاق والأحياء المنخفضة",
    "scenario_en": "Flash floods in tunnels and low-lying districts",
    "levels": [
        {"level": 1, "criteria_ar": "إنذار من المركز الوطني للأرصاد"},
        {"level": 2, "criteria_ar": "تجمعات مياه في أكثر من حي"},
        {"level": 3, "criteria_ar": "إغلاق طرق وإخلاء"},
    ],
    "holding_message_version_ids": ["4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a"],
    "spokesperson_ids": ["b1c2d3e4-f5a6-4789-8abc-def012345678"],
    "channels": ["x", "whatsapp", "tv"],
    "keywords": ["سيول", "أمطار", "غرق", "تجمع مياه", "flood"],
}


class PlaybookCreate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    organization_id: uuid.UUID
    scenario_ar: Annotated[LongText, NOT_BLANK] = Field(min_length=1)
    scenario_en: LongText | None = None
    levels: list[Level] = Field(min_length=1, max_length=3)
    holding_message_version_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=20, description="Approved key message versions."
    )
    spokesperson_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=20, description="Directory users."
    )
    channels: list[ChannelRef] = Field(default_factory=list, max_length=30)
    keywords: list[Keyword] = Field(
        min_length=1,
        max_length=100,
        description="Arabic and English words; inquiries whose subject or body contains one "
        "(Arabic-normalized) are tagged during an activation.",
    )

    _levels = field_validator("levels")(classmethod(lambda cls, v: _distinct_levels(v)))


class PlaybookUpdate(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"keywords": ["سيول", "flood"]}]})

    scenario_ar: LongText | None = None
    scenario_en: LongText | None = None
    levels: list[Level] | None = Field(None, min_length=1, max_length=3)
    holding_message_version_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    spokesperson_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    channels: list[ChannelRef] | None = Field(None, max_length=30)
    keywords: list[Keyword] | None = Field(None, min_length=1, max_length=100)

    @field_validator(
        "scenario_ar",
        "levels",
        "holding_message_version_ids",
        "spokesperson_ids",
        "channels",
        "keywords",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)

    _levels = field_validator("levels")(classmethod(lambda cls, v: _distinct_levels(v)))


class PlaybookOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "6f1c2d3e-4b5a-4978-8695-a4b3c2d1e0f9",
                    "created_at": "2026-11-01T09:00:00+03:00",
                    "updated_at": "2026-11-01T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    organization_id: uuid.UUID
    scenario_ar: str
    scenario_en: str | None
    levels: list[dict[str, Any]]
    holding_message_version_ids: list[uuid.UUID]
    spokesperson_ids: list[uuid.UUID]
    channels: list[str]
    keywords: list[str]


class ActivateIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": 2,
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "suspend_calendar": True,
                }
            ]
        }
    )

    level: int = Field(ge=1, le=3)
    organization_id: uuid.UUID = Field(
        description="The scope: the playbook's organization or one below it."
    )
    suspend_calendar: bool = Field(
        False, description="Suspend the scope's approved calendar entries until closed."
    )


class LiveCounts(BaseModel):
    tagged: int = Field(description="Inquiries tagged so far.")
    by_channel: dict[str, int]
    by_status: dict[str, int]
    first_response_compliance_percent: float | None


class ActivationOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
                    "playbook_id": "6f1c2d3e-4b5a-4978-8695-a4b3c2d1e0f9",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "level": 2,
                    "status": "active",
                    "tag": "crisis:7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
                    "campaign_id": "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
                    "suspend_calendar": True,
                    "activated_at": "2027-01-05T06:30:00+03:00",
                    "closed_at": None,
                    "counts": {
                        "tagged": 42,
                        "by_channel": {"whatsapp": 30, "x": 12},
                        "by_status": {"new": 20, "in_progress": 22},
                        "first_response_compliance_percent": 87.5,
                    },
                    "created_at": "2027-01-05T06:30:00+03:00",
                    "updated_at": "2027-01-05T06:30:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    playbook_id: uuid.UUID
    organization_id: uuid.UUID
    level: int
    status: str = Field(description="active or closed.")
    tag: str = Field(description="The tag its inquiries carry: `crisis:<id>`.")
    campaign_id: uuid.UUID | None = Field(description="The approved crisis campaign it opened.")
    suspend_calendar: bool
    activated_at: datetime
    closed_at: datetime | None
    counts: LiveCounts | None = Field(
        None,
        description="Live counts from the inquiries service (single reads only; null when "
        "it does not answer).",
    )
