"""Campaigns with their decisions and flights, key messages, crisis playbooks and activations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

# What `q` searches on each list (services/common/search/; columns of migration 0010)
from services.campaigns.models.common import (
    CAMPAIGN_SEARCH_SQL,
    KEY_MESSAGE_SEARCH_SQL,
    KEY_MESSAGE_VERSION_SEARCH_SQL,
    Money,
)
from services.common.models import Base, created_at_column, updated_at_column, uuid_pk
from services.common.search import search_columns, search_indexes


class Campaign(Base):
    """An advertising, awareness, media or crisis campaign (S1-4, S2-6) with its flights;
    approved like a calendar entry (no self-approval; a change of dates or channels after
    approval sends it back to pending with a new version)."""

    __tablename__ = "campaign_campaign"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    title_ar: Mapped[str] = mapped_column(String(500), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    initiative_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_initiative.id", ondelete="SET NULL")
    )
    objective_ar: Mapped[str] = mapped_column(Text, nullable=False)
    objective_en: Mapped[str | None] = mapped_column(Text)
    audiences: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), nullable=False, server_default=text("'{}'")
    )
    channels: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), nullable=False, server_default=text("'{}'")
    )
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default=text("'SAR'"))
    key_message_version_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'draft'"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    activation_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[str | None] = mapped_column(String(100))
    changed_by: Mapped[str | None] = mapped_column(String(100))
    search_text, search_vector = search_columns(CAMPAIGN_SEARCH_SQL)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_campaign_campaign_organization_id"),
        CheckConstraint("end_date >= start_date", name="dates"),
        Index("ix_campaign_campaign_organization_id", "organization_id"),
        Index("ix_campaign_campaign_status", "status"),
        Index("ix_campaign_campaign_initiative_id", "initiative_id"),
        Index("ix_campaign_campaign_type", "type"),
        Index("ix_campaign_campaign_created_at_id", "created_at", "id"),
        *search_indexes("campaign_campaign"),
    )


class CampaignDecision(Base):
    """One step of a campaign's approval history (kept across versions)."""

    __tablename__ = "campaign_campaign_decision"

    id: Mapped[uuid.UUID] = uuid_pk()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_campaign.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(100), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_campaign_campaign_decision_campaign_id", "campaign_id"),)


class Flight(Base):
    """A campaign's run on one channel for a date range; on the calendar as an entry of
    kind `campaign_flight` once the campaign is approved."""

    __tablename__ = "campaign_flight"

    id: Mapped[uuid.UUID] = uuid_pk()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_campaign.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    channel: Mapped[str] = mapped_column(String(100), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates"),
        Index("ix_campaign_flight_campaign_id", "campaign_id", "start_date"),
    )


class KeyMessage(Base):
    """A topic of an organization's key messages (S1-3); its text lives in versions."""

    __tablename__ = "campaign_key_message"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    topic: Mapped[str] = mapped_column(String(300), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    search_text, search_vector = search_columns(KEY_MESSAGE_SEARCH_SQL)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_campaign_key_message_organization_id"),
        Index("ix_campaign_key_message_organization_id", "organization_id"),
        Index("ix_campaign_key_message_created_at_id", "created_at", "id"),
        *search_indexes("campaign_key_message"),
    )


class KeyMessageVersion(Base):
    """One wording of a key message: its text never changes once written; it is approved,
    then retired. Campaigns and playbooks cite versions, so what they said stays."""

    __tablename__ = "campaign_key_message_version"

    id: Mapped[uuid.UUID] = uuid_pk()
    key_message_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("campaign_key_message.id", ondelete="CASCADE"),
        nullable=False,
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    text_ar: Mapped[str] = mapped_column(Text, nullable=False)
    text_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'draft'"))
    created_by: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_text, search_vector = search_columns(KEY_MESSAGE_VERSION_SEARCH_SQL)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "key_message_id", "number", name="uq_campaign_key_message_version_key_message_id"
        ),
        Index("ix_campaign_key_message_version_organization_id", "organization_id", "status"),
        *search_indexes("campaign_key_message_version"),
    )


class CrisisPlaybook(Base):
    """A crisis scenario prepared before it happens (S2-2)."""

    __tablename__ = "campaign_crisis_playbook"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    scenario_ar: Mapped[str] = mapped_column(Text, nullable=False)
    scenario_en: Mapped[str | None] = mapped_column(Text)
    levels: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    holding_message_version_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")
    )
    spokesperson_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")
    )
    channels: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), nullable=False, server_default=text("'{}'")
    )
    keywords: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), nullable=False, server_default=text("'{}'")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_campaign_crisis_playbook_organization_id", "organization_id"),
        Index("ix_campaign_crisis_playbook_created_at_id", "created_at", "id"),
    )


class CrisisActivation(Base):
    """A playbook activated at a level for an organization's subtree, until closed."""

    __tablename__ = "campaign_crisis_activation"

    id: Mapped[uuid.UUID] = uuid_pk()
    playbook_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("campaign_crisis_playbook.id", ondelete="RESTRICT"),
        nullable=False,
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'active'"))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    suspend_calendar: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    activated_by: Mapped[str | None] = mapped_column(String(100))
    activated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        # one open activation of a playbook per scope
        Index(
            "uq_campaign_crisis_activation_open",
            "playbook_id",
            "organization_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_campaign_crisis_activation_organization_id", "organization_id"),
    )
