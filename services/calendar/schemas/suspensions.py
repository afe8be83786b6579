"""Suspensions: a crisis pause of approved entries of a subtree inside a window."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.calendar.schemas.common import Comment, Kind, Timestamps
from services.common.i18n import text
from services.common.patterns import NOT_BLANK


class SuspensionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "from": "2026-04-01T00:00:00+03:00",
                    "to": "2026-04-04T00:00:00+03:00",
                    "reason": "حداد رسمي: تعليق الحملات والمنشورات",
                    "kinds": ["social_post", "campaign_flight"],
                }
            ]
        },
    )

    organization_id: uuid.UUID = Field(description="Its whole subtree is suspended.")
    starts_at: AwareDatetime = Field(alias="from", description="Window start (RFC 3339).")
    ends_at: AwareDatetime = Field(alias="to", description="Window end, exclusive.")
    reason: Annotated[Comment, NOT_BLANK] = Field(
        min_length=1, description="Shown in each entry's history."
    )
    kinds: list[Kind] = Field(default_factory=list, description="Only these kinds (empty: all).")

    @model_validator(mode="after")
    def _window(self) -> SuspensionCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError(text("نهاية الفترة قبل بدايتها", "`to` must be after `from`"))
        return self


class SuspensionOut(Timestamps):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    starts_at: datetime = Field(serialization_alias="from")
    ends_at: datetime = Field(serialization_alias="to")
    reason: str
    kinds: list[str]
    status: Literal["active", "lifted"]
    entry_count: int = Field(description="Entries it suspended.")
    entry_ids: list[uuid.UUID] = Field(description="The entries it suspended.")
    created_by: str | None
    lifted_by: str | None
    lifted_at: datetime | None
