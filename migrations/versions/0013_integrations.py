"""Integrations: webhook subscriptions and their deliveries (directory), WhatsApp Cloud API
messages in and out, citizens' notifications, their templates and opt-outs (inquiries).

Revision ID: 0013_integrations
Revises: 0012_attachments
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_integrations"
down_revision: str | None = "0012_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "directory_webhook_subscription",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.String(length=50), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["directory_organization.id"],
            name=op.f("fk_directory_webhook_subscription_organization_id_directory_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_webhook_subscription")),
    )
    op.create_index(
        "ix_directory_webhook_subscription_organization_id_created_at",
        "directory_webhook_subscription",
        ["organization_id", "created_at", "id"],
    )
    op.create_index(
        "ix_directory_webhook_subscription_created_at_id",
        "directory_webhook_subscription",
        ["created_at", "id"],
    )
    op.create_index(
        "ix_directory_webhook_subscription_event_types",
        "directory_webhook_subscription",
        ["event_types"],
        postgresql_using="gin",
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "directory_webhook_delivery",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("subscription_id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'pending'"), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["directory_webhook_subscription.id"],
            name=op.f(
                "fk_directory_webhook_delivery_subscription_id_directory_webhook_subscription"
            ),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_webhook_delivery")),
        sa.UniqueConstraint(
            "subscription_id", "event_id", name="uq_directory_webhook_delivery_subscription_id"
        ),
    )
    op.create_index(
        "ix_directory_webhook_delivery_subscription_id_created_at",
        "directory_webhook_delivery",
        ["subscription_id", "created_at", "id"],
    )
    op.create_index(
        "ix_directory_webhook_delivery_subscription_id_status_created_at",
        "directory_webhook_delivery",
        ["subscription_id", "status", "created_at", "id"],
    )

    op.create_table(
        "inquiry_whatsapp_message",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("wamid", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("inquiry_id", sa.UUID(), nullable=True),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("media_id", sa.String(length=200), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "direction IN ('in', 'out')", name=op.f("ck_inquiry_whatsapp_message_direction")
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_whatsapp_message_inquiry_id_inquiry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_whatsapp_message")),
        sa.UniqueConstraint("source", name="uq_inquiry_whatsapp_message_source"),
        sa.UniqueConstraint("wamid", name="uq_inquiry_whatsapp_message_wamid"),
    )
    op.create_index(
        "ix_inquiry_whatsapp_message_inquiry_id_created_at",
        "inquiry_whatsapp_message",
        ["inquiry_id", "created_at"],
    )
    op.create_index(
        "ix_inquiry_whatsapp_message_sender",
        "inquiry_whatsapp_message",
        ["phone_number_id", "wa_id", "created_at"],
    )
    op.create_table(
        "inquiry_notification",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("inquiry_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("medium", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_notification_inquiry_id_inquiry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_notification")),
        sa.UniqueConstraint("source", name="uq_inquiry_notification_source"),
    )
    op.create_index(
        "ix_inquiry_notification_inquiry_id_created_at",
        "inquiry_notification",
        ["inquiry_id", "created_at"],
    )
    op.create_table(
        "inquiry_notification_template",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_notification_template")),
        sa.UniqueConstraint(
            "organization_id", "event", "language", name="uq_inquiry_notification_template_key"
        ),
    )
    op.create_index(
        "ix_inquiry_notification_template_created_at_id",
        "inquiry_notification_template",
        ["created_at", "id"],
    )
    op.create_table(
        "inquiry_notification_opt_out",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("contact_digest", sa.String(length=64), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_notification_opt_out")),
        sa.UniqueConstraint(
            "contact_digest", name="uq_inquiry_notification_opt_out_contact_digest"
        ),
    )


def downgrade() -> None:
    op.drop_table("inquiry_notification_opt_out")
    op.drop_table("inquiry_notification_template")
    op.drop_table("inquiry_notification")
    op.drop_table("inquiry_whatsapp_message")
    op.drop_table("directory_webhook_delivery")
    op.drop_table("directory_webhook_subscription")
