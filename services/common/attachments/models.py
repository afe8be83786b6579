"""The attachment record: what was stored, who uploaded it, and what owns it now."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.common.models import Base, created_at_column, updated_at_column, uuid_pk


class Attachment(Base):
    """One stored file. Unowned until a resource references it (`attach`); from then on
    its owner is fixed and decides who may read it. Unowned uploads are swept after
    `GOVHUB_ATTACHMENTS_RETENTION_HOURS`."""

    __tablename__ = "common_attachment"

    id: Mapped[uuid.UUID] = uuid_pk()
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(200), nullable=False)
    # who uploaded it: `user:<sub>` / `client:<sub>`, or NULL for an anonymous citizen
    uploader: Mapped[str | None] = mapped_column(String(200))
    uploader_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    uploader_organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    metadata_removed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    scan_status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'not_scanned'")
    )
    scan_detail: Mapped[str | None] = mapped_column(String(300))
    # the owner, fixed by the first reference
    owner_service: Mapped[str | None] = mapped_column(String(30))
    owner_type: Mapped[str | None] = mapped_column(String(60))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # the resource whose readers the owner's are (an inquiry for its messages; else the owner)
    owner_parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    owner_organization_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    citizen_readable: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    # the owning organization's descendants read it too (a key message's documents: what
    # a ministry tells its municipalities to say rests on them)
    readable_below: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    attached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint(
            "owner_id IS NULL OR (owner_service IS NOT NULL AND owner_type IS NOT NULL "
            "AND owner_parent_id IS NOT NULL AND attached_at IS NOT NULL)",
            name="owner_complete",
        ),
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_common_attachment_owner", "owner_id", "created_at", "id"),
        Index("ix_common_attachment_owner_parent", "owner_parent_id", "created_at", "id"),
        Index(
            "ix_common_attachment_unreferenced",
            "created_at",
            postgresql_where=text("owner_id IS NULL"),
        ),
    )
