"""Schema for bulk imports: the jobs and the rows they rejected.

Revision ID: 0011_imports
Revises: 0010_search
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_imports"
down_revision: str | None = "0010_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)


def _time(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    if nullable:
        return sa.Column(name, sa.DateTime(timezone=True))
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "common_import_job",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("service", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True)),
        sa.Column("actor", postgresql.JSONB(), nullable=False),
        sa.Column("language", sa.String(2), server_default="ar", nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("dry_run", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("encoding", sa.String(30)),
        sa.Column("filename", sa.String(300)),
        sa.Column("path", sa.Text(), nullable=False),
        _count("size_bytes"),
        sa.Column("state", sa.String(10), server_default="queued", nullable=False),
        _count("rows_seen"),
        _count("rows_imported"),
        _count("rows_updated"),
        _count("rows_unchanged"),
        _count("rows_rejected"),
        _count("records_done"),
        _count("batches_done"),
        sa.Column("progress", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("run_seconds", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("request_id", sa.String(100)),
        _time("started_at"),
        _time("finished_at"),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name="ck_common_import_job_state",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_common_import_job"),
    )
    op.create_index(
        "ix_common_import_job_organization_id_created_at",
        "common_import_job",
        ["organization_id", "created_at"],
    )
    op.create_table(
        "common_import_rejection",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("job_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.String(200)),
        sa.Column("value", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["common_import_job.id"],
            name="fk_common_import_rejection_job_id_common_import_job",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_common_import_rejection"),
    )
    op.create_index(
        "ix_common_import_rejection_job_id_line",
        "common_import_rejection",
        ["job_id", "line", "id"],
    )


def downgrade() -> None:
    op.drop_table("common_import_rejection")
    op.drop_table("common_import_job")
