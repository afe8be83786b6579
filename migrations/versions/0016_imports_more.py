"""Schema for imports_more: the external key of imported initiatives and KPI values.

An import upserts on (`external_source`, `external_id`): the system a row comes from and
its id there. Rows created through the API have neither, hence the partial unique index.

Revision ID: 0016_imports_more
Revises: 0015_integrations_more
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_imports_more"
down_revision: str | None = "0015_integrations_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("campaign_initiative", "campaign_kpi_value")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("external_source", sa.String(length=100), nullable=True))
        op.add_column(table, sa.Column("external_id", sa.String(length=200), nullable=True))
        op.create_index(
            f"uq_{table}_external",
            table,
            ["external_source", "external_id"],
            unique=True,
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f"uq_{table}_external", table_name=table)
        op.drop_column(table, "external_id")
        op.drop_column(table, "external_source")
