"""Axes, initiatives, milestones, beneficiaries and integration criteria."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

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
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

# What `q` searches on each list (services/common/search/; columns of migration 0010)
from services.campaigns.models.common import INITIATIVE_SEARCH_SQL, Money
from services.common.models import Base, created_at_column, updated_at_column, uuid_pk
from services.common.search import search_columns, search_indexes


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
    # the key of an imported initiative in the system it came from (migration 0016)
    external_source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
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
        Index(
            "uq_campaign_initiative_external",
            "external_source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
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
