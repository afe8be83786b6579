"""What clients see of an attachment."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.common.attachments.models import Attachment


def content_path(attachment_id: uuid.UUID) -> str:
    return f"/v1/attachments/{attachment_id}/content"


class AttachmentOut(BaseModel):
    """A stored file: its metadata; the bytes are at `content_url`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5d0f8a4e-2b7c-4d1e-9a3f-6c2b1e0d9f87",
                    "filename": "صورة الحفرة.jpg",
                    "content_type": "image/jpeg",
                    "size": 482133,
                    "sha256": "9f2c5a0e8b1d4c7f3a6e9b2d5c8f1a4e7b0d3c6f9a2e5b8d1c4f7a0e3b6d9c2f",
                    "metadata_removed": True,
                    "scan_status": "not_scanned",
                    "attached": False,
                    "content_url": "/v1/attachments/5d0f8a4e-2b7c-4d1e-9a3f-6c2b1e0d9f87/content",
                    "created_at": "2026-12-06T09:15:00+03:00",
                    "updated_at": "2026-12-06T09:15:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    filename: str = Field(
        description="The display name: as sent (Arabic kept), without path or control "
        "characters, ending with the extension of the type found in the bytes.",
        examples=["صورة الحفرة.jpg"],
    )
    content_type: str = Field(
        description="Sniffed from the bytes, never taken from the client.",
        examples=["image/jpeg"],
    )
    size: int = Field(description="Bytes stored.", examples=[482133])
    sha256: str = Field(description="SHA-256 of the stored bytes (hex); also the `ETag`.")
    metadata_removed: bool = Field(
        description="True for images: EXIF (GPS position, device, time), XMP and comments "
        "were removed before storing, so the bytes differ from the file sent."
    )
    scan_status: str = Field(
        description="`clean` (the ClamAV daemon found nothing) or `not_scanned` (no "
        "scanner configured). Infected files are refused, never stored."
    )
    attached: bool = Field(
        description="Whether a resource references it (unreferenced uploads are deleted "
        "after 24 hours)."
    )
    content_url: str = Field(description="Where the bytes are served (`ETag`, `Range`).")
    created_at: datetime
    updated_at: datetime


class AttachmentRef(BaseModel):
    """An attachment as a resource that cites it lists it."""

    id: uuid.UUID
    filename: str = Field(examples=["رد الأمانة.pdf"])
    content_type: str = Field(examples=["application/pdf"])
    size: int
    content_url: str = Field(
        examples=["/v1/attachments/5d0f8a4e-2b7c-4d1e-9a3f-6c2b1e0d9f87/content"]
    )


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        metadata_removed=attachment.metadata_removed,
        scan_status=attachment.scan_status,
        attached=attachment.owner_id is not None,
        content_url=content_path(attachment.id),
        created_at=attachment.created_at,
        updated_at=attachment.updated_at,
    )


def attachment_ref(attachment: Attachment) -> AttachmentRef:
    return AttachmentRef(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        content_url=content_path(attachment.id),
    )
