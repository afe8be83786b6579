"""Schema for security (sign-in attempts, machine-client limits).

Revision ID: 0007_security
Revises: 0006_config_generation
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007_security"
down_revision: str | None = "0006_config_generation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
