"""Attachments: the kernel's record of every stored file and of what owns it.

Revision ID: 0012_attachments
Revises: 0011_imports
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_attachments"
down_revision: str | None = "0011_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "common_attachment",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("uploader", sa.String(200), nullable=True),
        sa.Column("uploader_kind", sa.String(20), nullable=False),
        sa.Column("uploader_organization_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column(
            "metadata_removed", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "scan_status", sa.String(20), server_default=sa.text("'not_scanned'"), nullable=False
        ),
        sa.Column("scan_detail", sa.String(300), nullable=True),
        sa.Column("owner_service", sa.String(30), nullable=True),
        sa.Column("owner_type", sa.String(60), nullable=True),
        sa.Column("owner_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("owner_parent_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("owner_organization_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column(
            "citizen_readable", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "owner_id IS NULL OR (owner_service IS NOT NULL AND owner_type IS NOT NULL "
            "AND owner_parent_id IS NOT NULL AND attached_at IS NOT NULL)",
            name=op.f("ck_common_attachment_owner_complete"),
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_common_attachment_size_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_attachment")),
    )
    op.create_index(
        "ix_common_attachment_owner", "common_attachment", ["owner_id", "created_at", "id"]
    )
    op.create_index(
        "ix_common_attachment_owner_parent",
        "common_attachment",
        ["owner_parent_id", "created_at", "id"],
    )
    op.create_index(
        "ix_common_attachment_unreferenced",
        "common_attachment",
        ["created_at"],
        postgresql_where=sa.text("owner_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_common_attachment_unreferenced", table_name="common_attachment")
    op.drop_index("ix_common_attachment_owner_parent", table_name="common_attachment")
    op.drop_index("ix_common_attachment_owner", table_name="common_attachment")
    op.drop_table("common_attachment")
