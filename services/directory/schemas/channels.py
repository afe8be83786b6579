"""Intake and publishing channels of an organization (data, not an enum: S4-1)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.common.patterns import HTTP_URL, NOT_BLANK, SchemaPattern
from services.directory.domain.vocabulary import CHANNEL_KINDS, ChannelKind
from services.directory.schemas.common import Timestamps, check_url, reject_null

ChannelName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NOT_BLANK
]
Handle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), SchemaPattern(HTTP_URL)
]
KIND_DESCRIPTION = "One of: " + ", ".join(CHANNEL_KINDS) + "."
_EXAMPLE: dict[str, Any] = {
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "kind": "majlis",
    "name_ar": "المجلس الأسبوعي للمحافظ",
    "name_en": "The Governor's weekly majlis",
    "intake": True,
    "publish": False,
}


class _ChannelChecks(BaseModel):
    @field_validator("url", check_fields=False)
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_url(value)


class ChannelCreate(_ChannelChecks):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    organization_id: uuid.UUID = Field(description="The organization that runs the channel.")
    kind: ChannelKind = Field(description=KIND_DESCRIPTION)
    name_ar: ChannelName = Field(description="Arabic name.", examples=["المجلس الأسبوعي للمحافظ"])
    name_en: ChannelName | None = Field(None, description="English name.")
    handle: Handle | None = Field(
        None, description="Account handle or number (e.g. @CapitalGovBH, +97317000000)."
    )
    url: Url | None = Field(None, description="http(s) link to the channel.")
    intake: bool = Field(True, description="Inquiries arrive through it.")
    publish: bool = Field(False, description="The organization publishes through it.")
    active: bool = True


class ChannelUpdate(_ChannelChecks):
    """Only the fields sent change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"publish": True, "handle": "@CapitalGovBH"}]},
    )

    organization_id: uuid.UUID | None = None
    kind: ChannelKind | None = Field(None, description=KIND_DESCRIPTION)
    name_ar: ChannelName | None = None
    name_en: ChannelName | None = None
    handle: Handle | None = None
    url: Url | None = None
    intake: bool | None = None
    publish: bool | None = None
    active: bool | None = None

    @field_validator("organization_id", "kind", "name_ar", "intake", "publish", "active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class ChannelOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "2e4c6a8b-0d1f-4357-9b2d-4f6a8c0e2b4d",
                    "handle": None,
                    "url": None,
                    "active": True,
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    organization_id: uuid.UUID
    kind: str = Field(description=KIND_DESCRIPTION)
    name_ar: str
    name_en: str | None
    handle: str | None
    url: str | None
    intake: bool
    publish: bool
    active: bool
