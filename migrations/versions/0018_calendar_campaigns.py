"""Campaigns: the inquiry facts behind the built-in inquiry KPIs, fed by the inquiries
service's events; calendar: the revision of a campaign flight's event last applied.

Revision ID: 0018_calendar_campaigns
Revises: 0017_search_more
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_calendar_campaigns"
down_revision: str | None = "0017_search_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the revision of a flight's event last applied to its entry (out-of-order events)
    op.add_column("calendar_entry", sa.Column("external_revision", sa.BigInteger(), nullable=True))
    op.create_table(
        "campaign_inquiry_fact",
        sa.Column("inquiry_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "first_response_breached",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "resolution_breached", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("inquiry_id", name=op.f("pk_campaign_inquiry_fact")),
    )
    op.create_index(
        "ix_campaign_inquiry_fact_organization_id",
        "campaign_inquiry_fact",
        ["organization_id", "created_at"],
    )
    op.create_index("ix_campaign_inquiry_fact_created_at", "campaign_inquiry_fact", ["created_at"])


def downgrade() -> None:
    op.drop_column("calendar_entry", "external_revision")
    op.drop_index("ix_campaign_inquiry_fact_created_at", table_name="campaign_inquiry_fact")
    op.drop_index("ix_campaign_inquiry_fact_organization_id", table_name="campaign_inquiry_fact")
    op.drop_table("campaign_inquiry_fact")
