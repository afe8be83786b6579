"""Campaigns tables: axes, initiatives, milestones, beneficiaries, the integration rubric,
KPIs with targets and values, activity and media-coverage reports.

Organizations, users and channels belong to the directory: they are plain UUID columns
here (services never reach into each other's tables, except the shared organization tree
read through `services.common.orgtree`).
"""

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
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk
from services.common.search import search_columns, search_indexes

# What `q` searches on each list (services/common/search.py; columns of migration 0010)
INITIATIVE_SEARCH_SQL = (
    "code || ' ' || title_ar || ' ' || coalesce(title_en, '') || ' ' || "
    "coalesce(description_ar, '')"
)
CAMPAIGN_SEARCH_SQL = (
    "code || ' ' || title_ar || ' ' || coalesce(title_en, '') || ' ' || objective_ar"
)
KEY_MESSAGE_SEARCH_SQL = "code || ' ' || topic"

Money = Numeric(18, 2)
Figure = Numeric(20, 4)


class Axis(Base):
    """A strategic axis of the municipal sector (S1-6): health awareness, e-services …"""

    __tablename__ = "campaign_axis"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("code", name="uq_campaign_axis_code"),
        Index("ix_campaign_axis_created_at_id", "created_at", "id"),
    )


class Initiative(Base):
    """A programme or one of its initiatives, owned by one organization."""

    __tablename__ = "campaign_initiative"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    title_ar: Mapped[str] = mapped_column(String(500), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(500))
    # the Arabic title in the hub's search form (services.common.arabic.normalize),
    # trigram-indexed for overlap detection
    title_search: Mapped[str] = mapped_column(String(500), nullable=False)
    description_ar: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    participating_organization_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")
    )
    axis_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_axis.id", ondelete="RESTRICT"), nullable=False
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_initiative.id", ondelete="RESTRICT")
    )
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2), nullable=False, server_default=text("1"))
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    budget_planned: Mapped[Decimal | None] = mapped_column(Money)
    budget_actual: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default=text("'SAR'"))
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'proposed'")
    )
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    # derived: recomputed from milestones and children, never written by a client
    progress: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), nullable=False, server_default=text("0")
    )
    beneficiaries_target: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    beneficiaries_actual: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    created_by: Mapped[str | None] = mapped_column(String(100))
    search_text, search_vector = search_columns(INITIATIVE_SEARCH_SQL)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_campaign_initiative_organization_id"),
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("weight > 0", name="weight"),
        Index("ix_campaign_initiative_organization_id", "organization_id"),
        Index("ix_campaign_initiative_axis_id", "axis_id"),
        Index("ix_campaign_initiative_parent_id", "parent_id"),
        Index("ix_campaign_initiative_status", "status"),
        Index("ix_campaign_initiative_created_at_id", "created_at", "id"),
        Index(
            "ix_campaign_initiative_published_created_at",
            "created_at",
            "id",
            postgresql_where=text("published"),
        ),
        Index(
            "ix_campaign_initiative_title_search",
            "title_search",
            postgresql_using="gin",
            postgresql_ops={"title_search": "gin_trgm_ops"},
        ),
        *search_indexes("campaign_initiative"),
    )


class Milestone(Base):
    """A dated, weighted step of an initiative; completed with evidence."""

    __tablename__ = "campaign_milestone"

    id: Mapped[uuid.UUID] = uuid_pk()
    initiative_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("campaign_initiative.id", ondelete="CASCADE"),
        nullable=False,
    )
    # the initiative's owner, copied so the overdue list filters a subtree by index
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    title_ar: Mapped[str] = mapped_column(String(500), nullable=False)
    title_en: Mapped[str | None] = mapped_column(String(500))
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(100))
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    # set by the overdue sweep when it emitted `milestone.overdue` (once per due date)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("weight > 0 AND weight <= 100", name="weight"),
        Index("ix_campaign_milestone_initiative_id", "initiative_id", "due_date"),
        Index(
            "ix_campaign_milestone_open_due",
            "organization_id",
            "due_date",
            postgresql_where=text("completed_at IS NULL"),
        ),
        Index(
            "ix_campaign_milestone_sweep",
            "due_date",
            postgresql_where=text("completed_at IS NULL AND overdue_notified_at IS NULL"),
        ),
    )


class Beneficiary(Base):
    """How many people an initiative means to reach, and reached, per organization and
    period (optionally per segment: youth, families …)."""

    __tablename__ = "campaign_beneficiary"

    id: Mapped[uuid.UUID] = uuid_pk()
    initiative_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("campaign_initiative.id", ondelete="CASCADE"),
        nullable=False,
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    segment: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("''"))
    target: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    actual: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "initiative_id",
            "organization_id",
            "period",
            "segment",
            name="uq_campaign_beneficiary_initiative_id",
        ),
        CheckConstraint("target >= 0 AND actual >= 0", name="figures"),
    )


class IntegrationCriterion(Base):
    """One weighted line of the integration rubric (S1-8); `rule` is what it checks."""

    __tablename__ = "campaign_integration_criterion"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    rule: Mapped[str] = mapped_column(String(50), nullable=False)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("code", name="uq_campaign_integration_criterion_code"),
        CheckConstraint("weight > 0", name="weight"),
    )


class Kpi(Base):
    """A performance indicator with its unit, direction, frequency and aggregation rule."""

    __tablename__ = "campaign_kpi"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    unit: Mapped[str] = mapped_column(String(50), nullable=False)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)
    frequency: Mapped[str] = mapped_column(String(10), nullable=False)
    aggregation: Mapped[str] = mapped_column(String(10), nullable=False)
    initiative_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_initiative.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    axis_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_axis.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_campaign_kpi_organization_id"),
        Index("ix_campaign_kpi_organization_id", "organization_id"),
        Index("ix_campaign_kpi_initiative_id", "initiative_id"),
        Index("ix_campaign_kpi_campaign_id", "campaign_id"),
        Index("ix_campaign_kpi_axis_id", "axis_id"),
        Index("ix_campaign_kpi_created_at_id", "created_at", "id"),
    )


class KpiTarget(Base):
    """What an organization aims for in a period, its baseline and the amber threshold."""

    __tablename__ = "campaign_kpi_target"

    id: Mapped[uuid.UUID] = uuid_pk()
    kpi_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_kpi.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    baseline: Mapped[Decimal | None] = mapped_column(Figure)
    target: Mapped[Decimal] = mapped_column(Figure, nullable=False)
    amber_at: Mapped[Decimal | None] = mapped_column(Figure)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "kpi_id", "organization_id", "period", name="uq_campaign_kpi_target_kpi_id"
        ),
    )


class KpiValue(Base):
    """A figure an organization reports for a period: submitted, then verified or
    rejected by a head or administrator of that organization or above (never the
    submitter). Only verified values count in series and scorecards."""

    __tablename__ = "campaign_kpi_value"

    id: Mapped[uuid.UUID] = uuid_pk()
    kpi_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_kpi.id", ondelete="CASCADE"), nullable=False
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[Decimal] = mapped_column(Figure, nullable=False)
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'submitted'")
    )
    # built-in KPIs fed by events carry their source instead of a submitter
    source: Mapped[str | None] = mapped_column(String(50))
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        # one live figure per organization and period; a rejected one may be submitted again
        Index(
            "uq_campaign_kpi_value_live",
            "kpi_id",
            "organization_id",
            "period",
            unique=True,
            postgresql_where=text("status <> 'rejected'"),
        ),
        Index("ix_campaign_kpi_value_kpi_id", "kpi_id", "period"),
        Index("ix_campaign_kpi_value_organization_id", "organization_id", "status"),
        Index("ix_campaign_kpi_value_created_at_id", "created_at", "id"),
    )


class Report(Base):
    """An activity or media-coverage report of an organization for a period (S3-2)."""

    __tablename__ = "campaign_report"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title_ar: Mapped[str | None] = mapped_column(String(500))
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    activities: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    coverage: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'::jsonb")
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    initiative_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_initiative.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'draft'"))
    created_by: Mapped[str | None] = mapped_column(String(100))
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period"),
        Index("ix_campaign_report_organization_id", "organization_id", "period_start"),
        Index("ix_campaign_report_status", "status"),
        Index("ix_campaign_report_campaign_id", "campaign_id"),
        Index("ix_campaign_report_initiative_id", "initiative_id"),
        Index("ix_campaign_report_created_at_id", "created_at", "id"),
    )


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
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "key_message_id", "number", name="uq_campaign_key_message_version_key_message_id"
        ),
        Index("ix_campaign_key_message_version_organization_id", "organization_id", "status"),
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
