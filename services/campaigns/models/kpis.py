"""KPIs, their targets and values, and activity / media-coverage reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

# What `q` searches on each list (services/common/search/; columns of migration 0010)
from services.campaigns.models.common import Figure
from services.common.models import Base, created_at_column, updated_at_column, uuid_pk


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
    # a built-in measure computed from the inquiries service's events instead of typed
    # values (`inquiries.first_response` …); NULL: values are submitted and verified
    source: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "code", name="uq_campaign_kpi_organization_id"),
        CheckConstraint(
            "source IS NULL OR source IN ('inquiries.first_response', "
            "'inquiries.resolution', 'inquiries.satisfaction', 'inquiries.volume')",
            name="source_known",
        ),
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
    # the key of an imported value in the system it came from (migration 0016)
    external_source: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))
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
        Index(
            "uq_campaign_kpi_value_external",
            "external_source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )


class KpiRollup(Base):
    """One organization's own figures of a KPI over one window (a month, a quarter or a
    year): its verified values and its targets of the periods inside the window, rolled
    over them by every aggregation rule (`domain.kpis`, step 1: sum, average, the latest
    period's figure; the amber threshold's latest where one is set). Derived data,
    rewritten by the KPI write path (a value decided, targets set, the demo's history)
    from `campaign_kpi_value` and `campaign_kpi_target`. Keyed by organization, never by
    ancestor: a scorecard adds the rows of the subtree as the tree is when it is read, so
    an organization moved under another parent takes its figures along. The averages are
    kept unrounded (plain numeric), so rolling them up gives the same figures as
    averaging the values themselves."""

    __tablename__ = "campaign_kpi_rollup"

    kpi_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_kpi.id", ondelete="CASCADE"), nullable=False
    )
    period: Mapped[str] = mapped_column(String(10), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    value_sum: Mapped[Decimal | None] = mapped_column(Numeric)
    value_avg: Mapped[Decimal | None] = mapped_column(Numeric)
    value_last: Mapped[Decimal | None] = mapped_column(Numeric)
    target_sum: Mapped[Decimal | None] = mapped_column(Numeric)
    target_avg: Mapped[Decimal | None] = mapped_column(Numeric)
    target_last: Mapped[Decimal | None] = mapped_column(Numeric)
    amber_sum: Mapped[Decimal | None] = mapped_column(Numeric)
    amber_avg: Mapped[Decimal | None] = mapped_column(Numeric)
    amber_last: Mapped[Decimal | None] = mapped_column(Numeric)

    __table_args__ = (
        # a scorecard reads (its KPIs, its window) and filters the subtree's organizations
        PrimaryKeyConstraint("kpi_id", "period", "organization_id"),
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
