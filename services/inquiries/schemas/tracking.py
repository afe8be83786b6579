"""Bodies of the citizen's side: the tracking view, the citizen's messages, the survey."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from services.common.attachments.references import AttachmentIds
from services.common.attachments.schemas import AttachmentRef
from services.inquiries.schemas.common import Schema
from services.inquiries.schemas.inquiries import Kind, LongText, Reason


class TrackingMessage(Schema):
    author: str = Field(description="`staff` (never a name) or `citizen`.")
    body: str
    attachments: list[AttachmentRef] = Field(
        default_factory=list,
        description="Files of this message; read them with the same `X-Tracking-Token`.",
    )
    created_at: datetime


class TrackedOrganization(Schema):
    id: uuid.UUID
    name_ar: str = Field(examples=["أمانة منطقة الرياض"])
    name_en: str | None


class TrackingOut(Schema):
    """The citizen's view: no internal notes, no staff names or ids, no contact details."""

    reference: str = Field(examples=["INQ-2026-000123"])
    kind: Kind
    status: str
    subject: str
    organization: TrackedOrganization
    created_at: datetime
    updated_at: datetime
    resolution_due: datetime = Field(description="When a resolution is expected.")
    resolution: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    rejection_reason: str | None
    messages: list[TrackingMessage] = Field(
        description="Public replies and the citizen's messages, oldest first."
    )
    attachments: list[AttachmentRef] = Field(
        default_factory=list,
        description="Files sent with the inquiry; read them with the same `X-Tracking-Token`.",
    )
    survey_open: bool = Field(description="Whether `POST /v1/inquiries/{id}/survey` is open.")
    survey_submitted: bool
    inquiry_id: uuid.UUID = Field(description="Id for the survey endpoint.")


class CitizenMessageIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"body": "رقم العداد ٤٥٦٧٨٩"}]}
    )
    body: LongText = Field(description="The citizen's answer, stored exactly as sent.")
    attachment_ids: AttachmentIds = Field(default_factory=list)


class SurveyIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rating": 5, "comment": "شكراً على سرعة الاستجابة"}]},
    )
    rating: int = Field(ge=1, le=5, description="Satisfaction from 1 (poor) to 5 (excellent).")
    comment: Reason | None = Field(None, description="Optional comment.")


class SurveyOut(Schema):
    id: uuid.UUID
    inquiry_id: uuid.UUID
    rating: int
    comment: str | None
    created_at: datetime
    updated_at: datetime
