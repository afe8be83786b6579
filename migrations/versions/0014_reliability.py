"""Schema for reliability.

Revision ID: 0014_reliability
Revises: 0013_integrations
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_reliability"
down_revision: str | None = "0013_integrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the worker's heartbeat, read by /readyz (a worker that died is reported down)
    op.create_table(
        "common_worker_heartbeat",
        sa.Column("worker_id", sa.String(100), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name="pk_common_worker_heartbeat"),
    )
    op.create_index("ix_common_worker_heartbeat_beat_at", "common_worker_heartbeat", ["beat_at"])


def downgrade() -> None:
    op.drop_index("ix_common_worker_heartbeat_beat_at", table_name="common_worker_heartbeat")
    op.drop_table("common_worker_heartbeat")
