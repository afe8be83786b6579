"""The calendar's tables (migration 0008_calendar).

An entry is the series as written (its first occurrence, its rule, its exceptions); every
occurrence of it is materialized in `calendar_occurrence` with its time range, so a range
query, a conflict check and a feed are indexed range scans (`tstzrange` + GiST, with
`btree_gist` for the organization) instead of expanding rules per request. A series is
bounded (COUNT or UNTIL within ten years, see `domain/recurrence.py`), so every one of its
occurrences is stored.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import (
    ARRAY,
    DATERANGE,
    JSONB,
    TSTZRANGE,
    TSVECTOR,
    UUID,
    Range,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk

EMPTY_ARRAY = text("'{}'::text[]")


class Entry(Base):
    """A calendar entry of one organization: one event or a recurring series."""

    __tablename__ = "calendar_entry"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    title_ar: Mapped[str] = mapped_column(String(500), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(500))
    description_ar: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # the Arabic-normalized title and descriptions (services.common.arabic.normalize)
    search_text: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    # its stemmed document by the hub's search rule (migration 0017_search_more)
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed("common_search_vector_ar(search_text)", persisted=True), deferred=True
    )
    all_day: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # the first occurrence; for all-day entries the local midnights of its dates
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    rrule: Mapped[str | None] = mapped_column(Text)
    exdates: Mapped[list[str]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    channels: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    audiences: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    visibility: Mapped[str] = mapped_column(String(20), nullable=False)
    spokesperson_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    location: Mapped[str | None] = mapped_column(String(500))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    flight_id: Mapped[str | None] = mapped_column(String(200))
    external_source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
    # the source's revision of what was last applied (a campaign flight's event time in
    # microseconds): an older event arriving later changes nothing
    external_revision: Mapped[int | None] = mapped_column(BigInteger)
    # blackouts: the kinds they block and whether submit/approve are refused inside them
    blocks: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    enforcement: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    # from the first occurrence's start to the last one's end
    series_span: Mapped[Range[datetime]] = mapped_column(TSTZRANGE, nullable=False)
    # a series split "this and following" from another keeps the original's id here
    split_from_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    suspension_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_calendar_entry_organization_id_status", "organization_id", "status"),
        Index("ix_calendar_entry_series_span", "series_span", postgresql_using="gist"),
        Index(
            "uq_calendar_entry_external",
            "external_source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "ix_calendar_entry_campaign_id",
            "campaign_id",
            postgresql_where=text("campaign_id IS NOT NULL"),
        ),
        Index(
            "ix_calendar_entry_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_calendar_entry_search_vector", "search_vector", postgresql_using="gin"),
        # the worker's search-words job reads the entries written since its last run
        Index("ix_calendar_entry_updated_at", "updated_at"),
        Index(
            "ix_calendar_entry_suspension_id",
            "suspension_id",
            postgresql_where=text("suspension_id IS NOT NULL"),
        ),
    )


class Occurrence(Base):
    """One occurrence of an entry, overrides and exceptions applied (cancelled ones kept
    with `cancelled`, for feeds' RECURRENCE-ID and EXDATE). The entry's filterable fields
    are copied here so a range query reads one table."""

    __tablename__ = "calendar_occurrence"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("calendar_entry.id", ondelete="CASCADE"), nullable=False
    )
    # RFC 5545 form of the original start: 20260218T060000Z, or 20260218 for all-day
    recurrence_id: Mapped[str] = mapped_column(String(20), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    visibility: Mapped[str] = mapped_column(String(20), nullable=False)
    channels: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    audiences: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    spokesperson_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    span: Mapped[Range[datetime]] = mapped_column(TSTZRANGE, nullable=False)
    # the local days it touches (audience clashes are per day)
    days: Mapped[Range[date]] = mapped_column(DATERANGE, nullable=False)
    overridden: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")

    __table_args__ = (
        PrimaryKeyConstraint("entry_id", "recurrence_id", name="pk_calendar_occurrence"),
        Index(
            "ix_calendar_occurrence_organization_id_span",
            "organization_id",
            "span",
            postgresql_using="gist",
        ),
        Index("ix_calendar_occurrence_span", "span", postgresql_using="gist"),
        Index("ix_calendar_occurrence_days", "days", postgresql_using="gist"),
        Index("ix_calendar_occurrence_starts_at", "starts_at", "entry_id", "recurrence_id"),
        Index("ix_calendar_occurrence_channels", "channels", postgresql_using="gin"),
        Index("ix_calendar_occurrence_audiences", "audiences", postgresql_using="gin"),
        Index(
            "ix_calendar_occurrence_spokesperson_id_span",
            "spokesperson_id",
            "span",
            postgresql_using="gist",
            postgresql_where=text("spokesperson_id IS NOT NULL"),
        ),
    )


class Override(Base):
    """One occurrence moved or cancelled (RFC 5545 RECURRENCE-ID)."""

    __tablename__ = "calendar_override"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("calendar_entry.id", ondelete="CASCADE"), nullable=False
    )
    recurrence_id: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        PrimaryKeyConstraint("entry_id", "recurrence_id", name="pk_calendar_override"),
    )


class ApprovalPolicy(Base):
    """Which approvals entries of an organization's subtree need, per kind."""

    __tablename__ = "calendar_approval_policy"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    # empty: every kind
    kinds: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    # [{"level": "own"|"parent"|"ministry", "roles": [...]}, ...] in order
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_calendar_approval_policy_organization_id", "organization_id", "created_at"),
    )


class ApprovalStep(Base):
    """One step an entry's version needs: `waiting` is the one to decide now, `queued` ones
    follow; `superseded` steps belong to an earlier version (kept as history)."""

    __tablename__ = "calendar_approval_step"

    id: Mapped[uuid.UUID] = uuid_pk()
    entry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("calendar_entry.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    # the organization whose staff decide (the entry's own, its parent or the root)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_calendar_approval_step_entry_id", "entry_id", "version", "position"),
        Index(
            "ix_calendar_approval_step_waiting",
            "organization_id",
            "created_at",
            "id",
            postgresql_where=text("status = 'waiting'"),
        ),
    )


class History(Base):
    """Every state change and decision of an entry, with who, when and why; never erased."""

    __tablename__ = "calendar_entry_history"

    id: Mapped[uuid.UUID] = uuid_pk()
    entry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("calendar_entry.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(200))
    actor_type: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    suspension_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    occurred_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_calendar_entry_history_entry_id", "entry_id", "occurred_at", "id"),)


class Suspension(Base):
    """A crisis pause of the approved entries of a subtree inside a window."""

    __tablename__ = "calendar_suspension"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    kinds: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    entry_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created_by: Mapped[str | None] = mapped_column(String(200))
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_calendar_suspension_organization_id", "organization_id", "created_at", "id"),
    )


class Occasion(Base):
    """A national or religious occasion of a region (an ISO country code, or every region
    when empty): on a Hijri month and day (Umm al-Qura) or a Gregorian one."""

    __tablename__ = "calendar_occasion"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    region: Mapped[str | None] = mapped_column(String(2))
    name_ar: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    calendar: Mapped[str] = mapped_column(String(10), nullable=False)
    month: Mapped[int] = mapped_column(Integer, nullable=False)
    day: Mapped[int] = mapped_column(Integer, nullable=False)
    duration_days: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    day_off: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (UniqueConstraint("code", name="uq_calendar_occasion_code"),)


class Confirmation(Base):
    """A moon sighting: the occasion's Gregorian start in one Hijri year."""

    __tablename__ = "calendar_occasion_confirmation"

    id: Mapped[uuid.UUID] = uuid_pk()
    occasion_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("calendar_occasion.id", ondelete="CASCADE"), nullable=False
    )
    hijri_year: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "occasion_id", "hijri_year", name="uq_calendar_occasion_confirmation_occasion_id"
        ),
    )


class Feed(Base):
    """An iCalendar subscription: its secret token is shown once and kept as a SHA-256."""

    __tablename__ = "calendar_feed"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    name: Mapped[str | None] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(String(20), nullable=False)
    kinds: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    statuses: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),
        Index("ix_calendar_feed_organization_id", "organization_id", "created_at", "id"),
    )
