"""Schema for the campaigns service.

Revision ID: 0009_campaigns
Revises: 0008_calendar
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0009_campaigns"
down_revision: str | None = "0008_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
