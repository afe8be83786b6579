"""The tables of bulk imports (prefix `common_`): the jobs and the rows they rejected."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk

STATES = ("queued", "running", "succeeded", "failed", "cancelled")


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, nullable=False, server_default=text("0"))


class ImportJob(Base):
    """One uploaded file and its import: who sent it (`actor`, the principal it runs as),
    where the file is, how far the worker got (`records_done`: the records of the file
    behind the last committed batch, where a restarted job resumes) and the counts."""

    __tablename__ = "common_import_job"

    id: Mapped[uuid.UUID] = uuid_pk()
    service: Mapped[str] = mapped_column(String(30), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    # the organization of whoever started it: its subtree's staff see the job
    organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False, server_default="ar")
    source: Mapped[str] = mapped_column(String(50), nullable=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    encoding: Mapped[str | None] = mapped_column(String(30))
    filename: Mapped[str | None] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = _count()
    state: Mapped[str] = mapped_column(String(10), nullable=False, server_default="queued")
    rows_seen: Mapped[int] = _count()
    rows_imported: Mapped[int] = _count()
    rows_updated: Mapped[int] = _count()
    rows_unchanged: Mapped[int] = _count()
    rows_rejected: Mapped[int] = _count()
    records_done: Mapped[int] = _count()
    batches_done: Mapped[int] = _count()
    progress: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0"))
    run_seconds: Mapped[float] = mapped_column(Float, nullable=False, server_default=text("0"))
    error: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="state"
        ),
        Index("ix_common_import_job_organization_id_created_at", "organization_id", "created_at"),
    )


class ImportRejection(Base):
    """A row of the file that was not imported: its line, the field at fault, the value and
    why (in the job's language). Written with the batch it belongs to."""

    __tablename__ = "common_import_rejection"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("common_import_job.id", ondelete="CASCADE"),
        nullable=False,
    )
    line: Mapped[int] = mapped_column(BigInteger, nullable=False)
    field: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (Index("ix_common_import_rejection_job_id_line", "job_id", "line", "id"),)
