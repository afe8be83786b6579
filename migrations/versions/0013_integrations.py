"""Schema for webhooks out and WhatsApp in.

Revision ID: 0013_integrations
Revises: 0012_attachments
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013_integrations"
down_revision: str | None = "0012_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
