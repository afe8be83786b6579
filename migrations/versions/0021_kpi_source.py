"""Built-in KPIs: a KPI may take its values from the inquiries service's events (first
response and resolution within target, satisfaction, volume) instead of typed values, so
the scorecard colours them against their targets like any other.

Revision ID: 0021_kpi_source
Revises: 0020_attachments_below
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_kpi_source"
down_revision: str | None = "0020_attachments_below"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaign_kpi", sa.Column("source", sa.String(length=40), nullable=True))
    op.create_check_constraint(
        op.f("ck_campaign_kpi_source_known"),
        "campaign_kpi",
        "source IS NULL OR source IN ('inquiries.first_response', "
        "'inquiries.resolution', 'inquiries.satisfaction', 'inquiries.volume')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_campaign_kpi_source_known"), "campaign_kpi", type_="check")
    op.drop_column("campaign_kpi", "source")
