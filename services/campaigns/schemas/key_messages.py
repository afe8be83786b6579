"""Key messages (S1-3): topics per organization, bilingual versions kept forever."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.campaigns.schemas.common import Body, Code, Timestamps
from services.common.attachments.references import AttachmentIds
from services.common.patterns import NOT_BLANK

Topic = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), NOT_BLANK
]


class KeyMessageCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "FOOD-SAFETY",
                    "topic": "سلامة الغذاء في رمضان",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                }
            ]
        }
    )

    code: Code
    topic: Topic = Field(examples=["سلامة الغذاء في رمضان"])
    organization_id: uuid.UUID


class VersionCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text_ar": "سلامتك تبدأ من مائدتك: اشترِ من المنشآت المرخّصة.",
                    "text_en": "Your safety starts at your table: buy from licensed shops.",
                }
            ]
        }
    )

    text_ar: MessageText
    text_en: MessageText | None = None
    attachment_ids: AttachmentIds = Field(
        default_factory=list,
        description="The documents the wording rests on (a study, a decision, figures): "
        "files uploaded with `POST /v1/attachments` by the same caller, kept with the "
        "version as it is and read wherever the message is read — the organizations "
        "below the message's included (list them with "
        "`GET /v1/attachments?owner_id=<version id>`).",
    )


class VersionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a",
                    "key_message_id": "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "number": 2,
                    "text_ar": "سلامتك تبدأ من مائدتك: اشترِ من المنشآت المرخّصة.",
                    "text_en": None,
                    "status": "approved",
                    "approved_by": "b1c2d3e4-f5a6-4789-8abc-def012345678",
                    "approved_at": "2027-01-15T10:00:00+03:00",
                    "retired_at": None,
                    "created_at": "2027-01-14T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    key_message_id: uuid.UUID
    organization_id: uuid.UUID
    number: int = Field(description="1, 2, 3 … in the order written.")
    text_ar: str = Field(description="Never changes once written.")
    text_en: str | None
    status: str = Field(description="draft, approved or retired.")
    approved_by: str | None
    approved_at: datetime | None
    retired_at: datetime | None
    created_at: datetime


class KeyMessageOut(Timestamps):
    id: uuid.UUID
    code: str
    topic: str
    organization_id: uuid.UUID
    versions: list[VersionOut] = Field(description="Every version, oldest first.")


class SectorMessageOut(BaseModel):
    version_id: uuid.UUID
    key_message_id: uuid.UUID
    organization_id: uuid.UUID
    code: str
    topic: str
    number: int
    text_ar: str
    text_en: str | None
    approved_at: datetime | None
