"""iCalendar feed subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.calendar.schemas.common import Kind, StatusName, Timestamps, Title


class FeedCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "scope": "subtree",
                    "name": "روزنامة أمانة المنطقة الشرقية",
                    "statuses": ["approved"],
                }
            ]
        },
    )

    organization_id: uuid.UUID
    scope: Literal["own", "subtree", "sector"] = Field(
        description="`own`: the organization's entries; `subtree`: and everything below; "
        "`sector`: also the ministry tree's `sector` and `public` entries."
    )
    name: Title | None = Field(None, description="The calendar's NAME in clients.")
    kinds: list[Kind] = Field(default_factory=list, description="Only these kinds (empty: all).")
    statuses: list[StatusName] = Field(
        default_factory=list,
        description="Only these statuses (default: pending, approved, done, suspended, "
        "cancelled — never drafts).",
    )


class FeedOut(Timestamps):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str | None
    scope: str
    kinds: list[str]
    statuses: list[str]
    url: str | None = Field(
        description="The subscription URL with its secret token: only in the 201 answer."
    )
    revoked_at: datetime | None
    created_by: str | None
