"""The outbox: events of one aggregate delivered in the order they were written, and each
handler of an event counted on its own.

- `created_at` defaults to `clock_timestamp()` (the moment of the insert, not the start of
  its transaction): two events of one aggregate written by transactions that queued on
  the same row lock are ordered as they were written.
- `handled`: the handlers an event has been delivered to; a retry runs only the others,
  so one failing consumer neither holds back nor repeats the rest.
- A partial index finds a pending event's pending predecessors of the same aggregate.

Revision ID: 0019_outbox_order
Revises: 0018_calendar_campaigns
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019_outbox_order"
down_revision: str | None = "0018_calendar_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("common_outbox", "created_at", server_default=sa.text("clock_timestamp()"))
    op.add_column(
        "common_outbox",
        sa.Column(
            "handled",
            postgresql.ARRAY(sa.String(length=200)),
            server_default=sa.text("'{}'::character varying[]"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_common_outbox_pending_aggregate",
        "common_outbox",
        ["aggregate_type", "aggregate_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending' AND aggregate_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_common_outbox_pending_aggregate", table_name="common_outbox")
    op.drop_column("common_outbox", "handled")
    op.alter_column("common_outbox", "created_at", server_default=sa.text("now()"))
