"""Attachments read below their organization: a key message version's documents are read
by the staff of the organizations below the message's, where the message is said.

Revision ID: 0020_attachments_below
Revises: 0019_outbox_order
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_attachments_below"
down_revision: str | None = "0019_outbox_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "common_attachment",
        sa.Column("readable_below", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    # documents already cited by key message versions are read below them from now on
    op.execute(
        "UPDATE common_attachment SET readable_below = true "
        "WHERE owner_service = 'campaigns' AND owner_type = 'key_message_version'"
    )


def downgrade() -> None:
    op.drop_column("common_attachment", "readable_below")
