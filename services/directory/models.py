"""Directory tables: the organization tree, holidays, staff, machine clients, channels."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk
from services.common.orgtree import Ltree


class Organization(Base):
    """A ministry, region (amanah), municipality, governorate or communication unit."""

    __tablename__ = "directory_organization"

    id: Mapped[uuid.UUID] = uuid_pk()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("directory_organization.id", ondelete="RESTRICT")
    )
    # materialized path of id hex labels, root first: the subtree is `path <@ root.path`
    path: Mapped[str] = mapped_column(Ltree(), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    code: Mapped[str] = mapped_column(String(50), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(300), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    # NULL = inherited from the nearest ancestor that sets it
    timezone: Mapped[str | None] = mapped_column(String(64))
    weekend: Mapped[list[int] | None] = mapped_column(ARRAY(Integer()))
    work_start: Mapped[time | None] = mapped_column(Time())
    work_end: Mapped[time | None] = mapped_column(Time())
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("code", name="uq_directory_organization_code"),
        Index("ix_directory_organization_path", "path", postgresql_using="gist"),
        Index("ix_directory_organization_parent_id", "parent_id"),
        Index("ix_directory_organization_created_at_id", "created_at", "id"),
    )


class Holiday(Base):
    """A day off work for an organization and everything below it (SLA clocks skip it)."""

    __tablename__ = "directory_holiday"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("directory_organization.id", ondelete="CASCADE"),
        nullable=False,
    )
    date: Mapped[date] = mapped_column(Date, nullable=False)
    name_ar: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("organization_id", "date", name="uq_directory_holiday_organization_id"),
    )


class User(Base):
    """A staff member of one organization, with roles."""

    __tablename__ = "directory_user"

    id: Mapped[uuid.UUID] = uuid_pk()
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    full_name_ar: Mapped[str] = mapped_column(String(200), nullable=False)
    full_name_en: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("directory_organization.id", ondelete="RESTRICT"),
        nullable=False,
    )
    roles: Mapped[list[str]] = mapped_column(
        ARRAY(String(30)), nullable=False, server_default=text("'{}'")
    )
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("uq_directory_user_username_lower", func.lower(username), unique=True),
        Index(
            "ix_directory_user_organization_id_created_at", "organization_id", "created_at", "id"
        ),
    )


class ApiClient(Base):
    """A machine client of another ministry: bound to one organization, with scopes."""

    __tablename__ = "directory_api_client"

    id: Mapped[uuid.UUID] = uuid_pk()
    client_id: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("directory_organization.id", ondelete="RESTRICT"),
        nullable=False,
    )
    scopes: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), nullable=False, server_default=text("'{}'")
    )
    secret_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint("client_id", name="uq_directory_api_client_client_id"),
        Index(
            "ix_directory_api_client_organization_id_created_at",
            "organization_id",
            "created_at",
            "id",
        ),
    )


class Channel(Base):
    """An intake or publishing channel of an organization (data, not an enum: S4-1)."""

    __tablename__ = "directory_channel"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("directory_organization.id", ondelete="RESTRICT"),
        nullable=False,
    )
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ar: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    intake: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    publish: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_directory_channel_organization_id_kind", "organization_id", "kind"),
        Index("ix_directory_channel_created_at_id", "created_at", "id"),
    )


class LoginThrottle(Base):
    """Failed sign-ins per username (known or not, so a lock reveals no account)."""

    __tablename__ = "directory_login_throttle"

    # lower-cased username as typed at the token endpoint
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    first_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_directory_login_throttle_last_failed_at", "last_failed_at"),)


class WebhookSubscription(Base):
    """Events of an organization's subtree, by type, posted to a URL and signed (Standard
    Webhooks). The signing secret is kept as given out: signing needs it, a hash would not do."""

    __tablename__ = "directory_webhook_subscription"

    id: Mapped[uuid.UUID] = uuid_pk()
    organization_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("directory_organization.id", ondelete="RESTRICT"),
        nullable=False,
    )
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    # exact types, `prefix.*` or `*`
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    # after a rotation, the secret before it, which also signs until it expires
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    # the first failure since the last success; NULL while deliveries succeed
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index(
            "ix_directory_webhook_subscription_organization_id_created_at",
            "organization_id",
            "created_at",
            "id",
        ),
        Index("ix_directory_webhook_subscription_created_at_id", "created_at", "id"),
        Index(
            "ix_directory_webhook_subscription_event_types",
            "event_types",
            postgresql_using="gin",
            postgresql_where=text("active"),
        ),
    )


class WebhookDelivery(Base):
    """One event for one subscription: its signed body, and how its attempts went."""

    __tablename__ = "directory_webhook_delivery"

    id: Mapped[uuid.UUID] = uuid_pk()
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("directory_webhook_subscription.id", ondelete="CASCADE"),
        nullable=False,
    )
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    # the JSON body, as signed and sent on every attempt
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'pending'")
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "subscription_id", "event_id", name="uq_directory_webhook_delivery_subscription_id"
        ),
        Index(
            "ix_directory_webhook_delivery_subscription_id_created_at",
            "subscription_id",
            "created_at",
            "id",
        ),
        Index(
            "ix_directory_webhook_delivery_subscription_id_status_created_at",
            "subscription_id",
            "status",
            "created_at",
            "id",
        ),
    )
