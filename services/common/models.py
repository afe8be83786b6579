"""Declarative base with the naming convention, and the tables of the shared kernel."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class OutboxEvent(Base):
    """A domain event written in the same transaction as the change it reports."""

    __tablename__ = "common_outbox"

    id: Mapped[uuid.UUID] = uuid_pk()
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    aggregate_type: Mapped[str] = mapped_column(String(60), nullable=False)
    aggregate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'pending'")
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    # the moment of the insert (not of its transaction's start): the delivery order
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the handlers (module.qualname) this event has been delivered to
    handled: Mapped[list[str]] = mapped_column(
        ARRAY(String(200)), nullable=False, server_default=text("'{}'::character varying[]")
    )

    __table_args__ = (
        Index("ix_common_outbox_status_created_at", "status", "created_at"),
        Index("ix_common_outbox_event_type_created_at", "event_type", "created_at"),
        Index(
            "ix_common_outbox_pending_aggregate",
            "aggregate_type",
            "aggregate_id",
            "created_at",
            postgresql_where=text("status = 'pending' AND aggregate_id IS NOT NULL"),
        ),
    )


class IdempotencyKey(Base):
    """The first response to a POST carrying `Idempotency-Key`, replayed for retries."""

    __tablename__ = "common_idempotency_key"

    id: Mapped[uuid.UUID] = uuid_pk()
    # who sent it: the principal's subject, or the client IP for anonymous callers
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    path: Mapped[str] = mapped_column(String(2000), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    response_body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("uq_common_idempotency_key_owner_key", "owner", "key", unique=True),
        Index("ix_common_idempotency_key_created_at", "created_at"),
    )


class AuditEntry(Base):
    """Who changed what, when, on behalf of which organization; written in the same transaction."""

    __tablename__ = "common_audit_log"

    id: Mapped[uuid.UUID] = uuid_pk()
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    service: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(200))
    actor_type: Mapped[str] = mapped_column(String(20), nullable=False)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(60), nullable=False)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_common_audit_log_org_occurred", "organization_id", "occurred_at", "id"),
        Index("ix_common_audit_log_resource", "resource_type", "resource_id", "occurred_at"),
    )


class ConfigGeneration(Base):
    """One row counting changes to the configuration that intake reads (organizations,
    calendars, holidays, channels, categories, SLA policies): a process may keep what it
    read and check, in the statement that writes, that the count has not moved since.

    The count is raised by deferred row triggers (see the 0006 migration), so at commit,
    after every other lock the changing transaction takes: two transactions changing
    configuration wait for each other only for their commits, and never deadlock on it.
    """

    __tablename__ = "common_config_generation"

    id: Mapped[bool] = mapped_column(primary_key=True, server_default=text("true"))
    generation: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("1"))

    __table_args__ = (CheckConstraint("id", name="single_row"),)


class SearchWord(Base):
    """A word of the searched texts (its search form, see `services.common.search`), for
    typo corrections: the nearest words by trigram word similarity."""

    __tablename__ = "common_search_word"

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    documents: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __table_args__ = (
        Index(
            "ix_common_search_word_word_trgm",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
    )


class SearchWordSource(Base):
    """How far the rows of one searched table have been read into `common_search_word`."""

    __tablename__ = "common_search_word_source"

    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    read_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class WorkerHeartbeat(Base):
    """One row per running worker, touched every few seconds: the hub's /readyz reports
    the worker down when no row is fresh (services.common.health)."""

    __tablename__ = "common_worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), nullable=False)
    pid: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_common_worker_heartbeat_beat_at", "beat_at"),)
