"""Schema for attachments.

Revision ID: 0012_attachments
Revises: 0011_imports
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0012_attachments"
down_revision: str | None = "0011_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
