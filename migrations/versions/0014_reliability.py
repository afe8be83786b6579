"""Schema for reliability.

Revision ID: 0014_reliability
Revises: 0013_integrations
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0014_reliability"
down_revision: str | None = "0013_integrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
