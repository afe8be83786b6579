"""Inquiries and their timeline: the inquiry, its messages, its history events, the
citizen's survey, and the reference numbers' yearly counters."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk
from services.inquiries.models.common import (
    EAGER,
    SEARCH_TEXT_SQL,
    SEARCH_VECTOR_SQL,
)


class ReferenceYear(Base):
    """Where each year's references start in `inquiry_reference_seq` (see repository)."""

    __tablename__ = "inquiry_reference_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    base: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class Inquiry(Base):
    """A question, complaint, suggestion, compliment, request or media request."""

    __tablename__ = "inquiry"
    __mapper_args__ = EAGER

    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(24), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry_category.id", ondelete="RESTRICT")
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    channel: Mapped[str] = mapped_column(String(40), nullable=False)
    channel_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    search_text: Mapped[str] = mapped_column(Text, Computed(SEARCH_TEXT_SQL, persisted=True))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True), deferred=True
    )
    # labels added after intake, e.g. `crisis:<activation id>` by a crisis activation;
    # NULL: none (the intake writes none)
    tags: Mapped[list[str] | None] = mapped_column(ARRAY(String(100)))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_long: Mapped[float | None] = mapped_column(Float)
    location_address: Mapped[str | None] = mapped_column(String(500))
    outlet: Mapped[str | None] = mapped_column(String(200))
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_by_type: Mapped[str] = mapped_column(String(20), nullable=False)
    tracking_token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry.id", ondelete="SET NULL")
    )
    transfer_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    source: Mapped[str | None] = mapped_column(String(50))
    external_id: Mapped[str | None] = mapped_column(String(200))
    survey_invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The SLA: targets snapshotted from the policy, the clock's start and its pauses …
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry_sla_policy.id", ondelete="SET NULL")
    )
    first_response_target_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    resolution_target_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    sla_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_minutes: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # … the due times they give in the owning organization's calendar …
    first_response_due: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    resolution_due: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_business_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_business_minutes: Mapped[int | None] = mapped_column(Integer)
    # … and the live clock, so `sla=breached|at_risk` and the sweep are indexed comparisons:
    # due/risk of the running target (NULL while paused or finished), the next instant the
    # worker must look at (NULL once every target has been reported).
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_risk_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_alarm_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_breached: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    first_response_breach_notified: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    resolution_breach_notified: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("reference", name="uq_inquiry_reference"),
        # the list: visibility (organization subtree) and keyset order created_at, id
        Index("ix_inquiry_organization_id_created_at", "organization_id", "created_at", "id"),
        Index("ix_inquiry_created_at_id", "created_at", "id"),
        # one index per list filter, each in the list's order
        Index("ix_inquiry_status_created_at", "status", "created_at", "id"),
        Index("ix_inquiry_kind_created_at", "kind", "created_at", "id"),
        Index("ix_inquiry_channel_created_at", "channel", "created_at", "id"),
        Index("ix_inquiry_priority_created_at", "priority", "created_at", "id"),
        Index("ix_inquiry_category_id_created_at", "category_id", "created_at", "id"),
        Index(
            "ix_inquiry_assignee_id_created_at",
            "assignee_id",
            "created_at",
            "id",
            postgresql_where=text("assignee_id IS NOT NULL"),
        ),
        # `sla=breached` (due passed) and `sla=at_risk` (due ahead, risk passed): one range
        # on the due time, the risk time checked in the index (see migration 0005)
        Index(
            "ix_inquiry_sla_due_at_risk_at",
            "sla_due_at",
            "sla_risk_at",
            postgresql_where=text("sla_due_at IS NOT NULL"),
        ),
        Index(
            "ix_inquiry_sla_breached_created_at",
            "created_at",
            "id",
            postgresql_where=text("sla_breached"),
        ),
        Index(
            "ix_inquiry_sla_alarm_at",
            "sla_alarm_at",
            postgresql_where=text("sla_alarm_at IS NOT NULL"),
        ),
        Index("ix_inquiry_tags", "tags", postgresql_using="gin"),
        Index(
            "ix_inquiry_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_inquiry_search_vector", "search_vector", postgresql_using="gin"),
        # lexemes and trigrams with their row's week: a query's newest matches (0024)
        Index(
            "ix_inquiry_search_recent",
            text("common_search_recent_ar(search_vector, search_text, created_at)"),
            postgresql_using="gin",
        ),
        Index(
            "uq_inquiry_source_external_id",
            "source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "ix_inquiry_duplicate_of",
            "duplicate_of",
            postgresql_where=text("duplicate_of IS NOT NULL"),
        ),
    )


# An inquiry as the SLA rules and views take it: the stored one, or a new one the intake
# builds as a plain object with the same attributes (`repository.intake.new_inquiry`).
InquiryLike = Inquiry | SimpleNamespace


class Message(Base):
    """One entry of an inquiry's timeline: a public reply, an internal note, or the citizen."""

    __tablename__ = "inquiry_message"
    __mapper_args__ = EAGER

    id: Mapped[uuid.UUID] = uuid_pk()
    inquiry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False
    )
    visibility: Mapped[str] = mapped_column(String(10), nullable=False)
    author_type: Mapped[str] = mapped_column(String(10), nullable=False)
    author_id: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_inquiry_message_inquiry_id_created_at", "inquiry_id", "created_at", "id"),
    )


class Event(Base):
    """The history of an inquiry: every state change, assignment and transfer."""

    __tablename__ = "inquiry_event"
    __mapper_args__ = EAGER

    id: Mapped[uuid.UUID] = uuid_pk()
    inquiry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False
    )
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_type: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_inquiry_event_inquiry_id_created_at", "inquiry_id", "created_at", "id"),
    )


class Survey(Base):
    """The citizen's satisfaction with a resolved inquiry (S0-4): once per inquiry."""

    __tablename__ = "inquiry_survey"
    __mapper_args__ = EAGER

    id: Mapped[uuid.UUID] = uuid_pk()
    inquiry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry.id", ondelete="CASCADE"), nullable=False
    )
    rating: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("inquiry_id", name="uq_inquiry_survey_inquiry_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )
