"""Crisis tagging's rules, written from the campaigns service's crisis events."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Index,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk


class CrisisRule(Base):
    """While a crisis activation is open, new inquiries of its scope whose text matches one
    of its keywords (Arabic-normalized) are tagged, and so are those of the 48 hours
    before it; written and closed by the `crisis.*` events of the campaigns service."""

    __tablename__ = "inquiry_crisis_rule"

    id: Mapped[uuid.UUID] = uuid_pk()  # the activation's id
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    tag: Mapped[str] = mapped_column(String(100), nullable=False)
    keywords: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index(
            "ix_inquiry_crisis_rule_open",
            "organization_id",
            postgresql_where=text("closed_at IS NULL"),
        ),
    )
