"""Schema for integrations (continued): webhook secret rotation, the WhatsApp 24-hour
window (template messages) and inbound media, the survey invitation's own message.

- `directory_webhook_subscription`: the previous secret and until when it still signs
  (Standard Webhooks: both signatures during the overlap), when the secret last changed.
- `inquiry_whatsapp_message`: which notification an outgoing message is and in which
  language, the approved template it went as (outside the 24-hour window); for an incoming
  media message, the attachment its file became and how fetching it went.
- `inquiry_notification_template`: the organization's approved WhatsApp template for the
  notification (used outside the 24-hour window).

Revision ID: 0015_integrations_more
Revises: 0014_reliability
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_integrations_more"
down_revision: str | None = "0014_reliability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "directory_webhook_subscription",
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
    )
    op.add_column(
        "directory_webhook_subscription",
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "directory_webhook_subscription",
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("inquiry_whatsapp_message", sa.Column("event", sa.String(30), nullable=True))
    op.add_column("inquiry_whatsapp_message", sa.Column("language", sa.String(2), nullable=True))
    op.add_column("inquiry_whatsapp_message", sa.Column("template", sa.String(512), nullable=True))
    op.add_column("inquiry_whatsapp_message", sa.Column("attachment_id", sa.UUID(), nullable=True))
    op.add_column(
        "inquiry_whatsapp_message", sa.Column("media_status", sa.String(20), nullable=True)
    )
    op.add_column(
        "inquiry_notification_template",
        sa.Column("whatsapp_template", sa.String(512), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("inquiry_notification_template", "whatsapp_template")
    for name in ("media_status", "attachment_id", "template", "language", "event"):
        op.drop_column("inquiry_whatsapp_message", name)
    for name in ("secret_rotated_at", "previous_secret_expires_at", "previous_secret"):
        op.drop_column("directory_webhook_subscription", name)
