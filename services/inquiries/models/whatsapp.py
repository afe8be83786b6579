"""WhatsApp messages: what came in from citizens and went out to them over the Cloud API."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk


class WhatsAppMessage(Base):
    """A WhatsApp Cloud API message in (deduplicated by Meta's id, `wamid`) or out (one per
    `source`: what was sent, e.g. `reply:<message id>`), with its delivery status."""

    __tablename__ = "inquiry_whatsapp_message"

    id: Mapped[uuid.UUID] = uuid_pk()
    direction: Mapped[str] = mapped_column(String(3), nullable=False)  # in | out
    wamid: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    inquiry_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry.id", ondelete="CASCADE")
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    phone_number_id: Mapped[str] = mapped_column(String(64), nullable=False)
    wa_id: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    media_id: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(100))
    # what is sent (out only: what came in is on the inquiry's timeline)
    body: Mapped[str | None] = mapped_column(Text)
    # out: which notification it is, in which language, and the approved template it went
    # as when the citizen's last message was more than 24 hours old
    event: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str | None] = mapped_column(String(2))
    template: Mapped[str | None] = mapped_column(String(512))
    # in, media: the attachment the file became; pending | stored | refused | failed
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    media_status: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("wamid", name="uq_inquiry_whatsapp_message_wamid"),
        UniqueConstraint("source", name="uq_inquiry_whatsapp_message_source"),
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        Index(
            "ix_inquiry_whatsapp_message_sender",
            "phone_number_id",
            "wa_id",
            "created_at",
        ),
        Index("ix_inquiry_whatsapp_message_inquiry_id_created_at", "inquiry_id", "created_at"),
    )
