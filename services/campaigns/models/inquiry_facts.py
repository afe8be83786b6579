"""What the campaigns service knows of each inquiry, from the inquiries service's events
only (it never reads that service's tables): the facts behind the built-in inquiry KPIs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, updated_at_column


class InquiryFact(Base):
    """One inquiry as its events told it: owner, status, creation, first response,
    resolution, SLA breaches (as the inquiries service's sweep reported them) and the
    citizen's rating."""

    __tablename__ = "campaign_inquiry_fact"

    inquiry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    # null until `inquiry.created` is handled (another event of it may come first)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_campaign_inquiry_fact_organization_id", "organization_id", "created_at"),
        Index("ix_campaign_inquiry_fact_created_at", "created_at"),
    )
