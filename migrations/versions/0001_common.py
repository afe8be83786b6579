"""Common tables: extensions, outbox, idempotency keys, audit log, and the job queue.

Revision ID: 0001_common
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_common"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXTENSIONS = ("pg_trgm", "ltree", "btree_gist", "unaccent")


def _execute_script(sql: str) -> None:
    """Runs a multi-statement script through asyncpg's simple query protocol."""
    from sqlalchemy.util import await_only

    raw = op.get_bind().connection.driver_connection
    await_only(raw.execute(sql))


def upgrade() -> None:
    for name in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")

    op.create_table(
        "common_outbox",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("aggregate_type", sa.String(60), nullable=False),
        sa.Column("aggregate_id", postgresql.UUID(as_uuid=True)),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True)),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("request_id", sa.String(100)),
        sa.Column("status", sa.String(20), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_common_outbox"),
    )
    op.create_index("ix_common_outbox_status_created_at", "common_outbox", ["status", "created_at"])
    op.create_index(
        "ix_common_outbox_event_type_created_at", "common_outbox", ["event_type", "created_at"]
    )

    op.create_table(
        "common_idempotency_key",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_headers", postgresql.JSONB(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_common_idempotency_key"),
    )
    op.create_index(
        "uq_common_idempotency_key_owner_key",
        "common_idempotency_key",
        ["owner", "key"],
        unique=True,
    )
    op.create_index(
        "ix_common_idempotency_key_created_at", "common_idempotency_key", ["created_at"]
    )

    op.create_table(
        "common_audit_log",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("service", sa.String(30), nullable=False),
        sa.Column("actor_id", sa.String(200)),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("organization_id", postgresql.UUID(as_uuid=True)),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("resource_type", sa.String(60), nullable=False),
        sa.Column("resource_id", postgresql.UUID(as_uuid=True)),
        sa.Column("changes", postgresql.JSONB(), nullable=False),
        sa.Column("request_id", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_common_audit_log"),
    )
    op.create_index(
        "ix_common_audit_log_org_occurred",
        "common_audit_log",
        ["organization_id", "occurred_at", "id"],
    )
    op.create_index(
        "ix_common_audit_log_resource",
        "common_audit_log",
        ["resource_type", "resource_id", "occurred_at"],
    )

    # The job queue (pgqueuer) that delivers the outbox, its objects prefixed `common_`.
    # Its DDL is the library's own for the pinned version; upgrading pgqueuer needs a new
    # revision that applies the library's upgrade plan.
    from services.common.queue import install_sql

    _execute_script(install_sql())


def downgrade() -> None:
    from services.common.queue import uninstall_sql

    _execute_script(uninstall_sql())
    op.drop_table("common_audit_log")
    op.drop_table("common_idempotency_key")
    op.drop_table("common_outbox")
    # extensions stay: other databases objects may use them and dropping them is not ours
