"""Directory: failed sign-ins per username (a short lock after repeated failures).

Revision ID: 0003_directory_more
Revises: 0002_directory
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_directory_more"
down_revision: str | None = "0002_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_login_throttle",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_directory_login_throttle")),
    )
    op.create_index(
        "ix_directory_login_throttle_last_failed_at",
        "directory_login_throttle",
        ["last_failed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_directory_login_throttle_last_failed_at", table_name="directory_login_throttle"
    )
    op.drop_table("directory_login_throttle")
