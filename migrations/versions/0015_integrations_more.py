"""Schema for integrations (continued).

Revision ID: 0015_integrations_more
Revises: 0014_reliability
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0015_integrations_more"
down_revision: str | None = "0014_reliability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
