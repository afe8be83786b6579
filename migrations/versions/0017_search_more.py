"""Schema for search_more.

Revision ID: 0017_search_more
Revises: 0016_imports_more
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0017_search_more"
down_revision: str | None = "0016_imports_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
