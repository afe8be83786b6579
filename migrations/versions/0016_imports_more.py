"""Schema for imports_more.

Revision ID: 0016_imports_more
Revises: 0015_integrations_more
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0016_imports_more"
down_revision: str | None = "0015_integrations_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
