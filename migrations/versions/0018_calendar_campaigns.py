"""Schema for calendar_campaigns.

Revision ID: 0018_calendar_campaigns
Revises: 0017_search_more
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0018_calendar_campaigns"
down_revision: str | None = "0017_search_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
