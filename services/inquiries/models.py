"""Inquiry tables (prefix `inquiry_`). Organizations, channels and users are the directory's:
they are referenced by plain UUID columns, never by foreign keys across services.

Open311 maps onto these tables: a public category is a service (`code` = service_code,
the organization's code = jurisdiction_id), `location_*` are lat/long/address, the status
maps to open (new … awaiting_citizen) or closed (resolved, closed, rejected), and
`expected_datetime` is `resolution_due`.
"""

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

KINDS = ("question", "complaint", "suggestion", "compliment", "request", "media_request")
PRIORITIES = ("low", "normal", "high", "urgent")
VISIBILITIES = ("public", "internal")
AUTHOR_TYPES = ("staff", "citizen", "system")

# Server-side values (the search column, an `onupdate` timestamp when a write happens to
# keep `updated_at`) come back with RETURNING, never by a lazy load in async code.
EAGER: dict[str, Any] = {"eager_defaults": True}

# The stored search form of subject + body (see services/common/arabic.py).
SEARCH_TEXT_SQL = "inquiry_normalize_ar(((subject)::text || ' '::text) || body)"
# … and its stemmed document for full-text search (see services/common/search.py)
SEARCH_VECTOR_SQL = "common_search_vector_ar(((subject)::text || ' '::text) || body)"


class Category(Base):
    """A node of an organization's category tree; public ones are the Open311 services."""

    __tablename__ = "inquiry_category"
    __mapper_args__ = EAGER

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry_category.id", ondelete="RESTRICT")
    )
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_ar: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # where inquiries of this category go when the caller names no organization
    routing_organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    # the category applied to an inquiry sent to this organization without one
    intake_default: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_inquiry_category_organization_id"),
        Index(
            "ix_inquiry_category_organization_id_created_at", "organization_id", "created_at", "id"
        ),
        Index(
            "ix_inquiry_category_public_created_at",
            "created_at",
            "id",
            postgresql_where=text("public"),
        ),
        Index("ix_inquiry_category_parent_id", "parent_id"),
        Index(
            "uq_inquiry_category_intake_default",
            "organization_id",
            unique=True,
            postgresql_where=text("intake_default"),
        ),
    )


class SlaPolicy(Base):
    """First-response and resolution targets in business minutes, for an organization and
    everything below it; `category_id`, `kind` and `priority` narrow it (NULL = any)."""

    __tablename__ = "inquiry_sla_policy"
    __mapper_args__ = EAGER

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiry_category.id", ondelete="CASCADE")
    )
    kind: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(10))
    name_ar: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    first_response_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    resolution_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes >= first_response_minutes",
            name="targets",
        ),
        Index(
            "uq_inquiry_sla_policy_scope",
            "organization_id",
            "category_id",
            "kind",
            "priority",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_inquiry_sla_policy_category_id", "category_id"),
        Index("ix_inquiry_sla_policy_created_at", "created_at", "id"),
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
