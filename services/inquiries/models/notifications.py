"""Citizen notifications by e-mail and SMS: what was sent, the templates, the opt-outs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
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


class Notification(Base):
    """A message to a citizen by SMS or e-mail (WhatsApp ones are `WhatsAppMessage`s):
    queued once per `source` (what it tells, e.g. `reply:<message id>`), sent by the
    worker; `logged` when the medium is not configured, `opted_out` when the citizen asked
    for no more."""

    __tablename__ = "inquiry_notification"

    id: Mapped[uuid.UUID] = uuid_pk()
    inquiry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    event: Mapped[str] = mapped_column(String(30), nullable=False)
    medium: Mapped[str] = mapped_column(String(10), nullable=False)  # sms | email
    recipient: Mapped[str] = mapped_column(String(320), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    provider_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("source", name="uq_inquiry_notification_source"),
        Index("ix_inquiry_notification_inquiry_id_created_at", "inquiry_id", "created_at"),
    )


class NotificationTemplate(Base):
    """An organization's wording of one notification in one language; organizations below
    it inherit it unless they have their own."""

    __tablename__ = "inquiry_notification_template"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    event: Mapped[str] = mapped_column(String(30), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # the approved WhatsApp template (its name at Meta) sent instead of the text when the
    # citizen's last WhatsApp message is more than 24 hours old
    whatsapp_template: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "organization_id", "event", "language", name="uq_inquiry_notification_template_key"
        ),
        Index("ix_inquiry_notification_template_created_at_id", "created_at", "id"),
    )


class NotificationOptOut(Base):
    """A contact (phone number or e-mail address, as a SHA-256 digest) that asked for no
    more notifications."""

    __tablename__ = "inquiry_notification_opt_out"

    id: Mapped[uuid.UUID] = uuid_pk()
    contact_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("contact_digest", name="uq_inquiry_notification_opt_out_contact_digest"),
    )
