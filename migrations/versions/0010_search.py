"""Schema for stemmed Arabic full-text search.

Revision ID: 0010_search
Revises: 0009_campaigns
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0010_search"
down_revision: str | None = "0009_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
