"""The catalog: inquiry categories (trees per organization) and SLA policies."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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
from services.inquiries.models.common import (
    EAGER,
)


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
