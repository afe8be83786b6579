"""Inquiries: categories, SLA policies, inquiries, timeline, history, surveys, references,
and the Arabic search normalization.

Revision ID: 0004_inquiries
Revises: 0003_directory_more
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_inquiries"
down_revision: str | None = "0003_directory_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Arabic normalization, the twin of services/common/arabic.py (kept in step by
# tests/inquiries/test_arabic.py): alef forms → ا, ة → ه, ى → ي, Arabic-Indic and extended
# Arabic-Indic digits → ASCII; diacritics U+064B–U+065F, U+0670 and tatweel U+0640 removed
# (translate() drops characters of its second argument that have no counterpart in the third).
MAPPED_FROM = "أإآٱةى" + "٠١٢٣٤٥٦٧٨٩" + "۰۱۲۳۴۵۶۷۸۹"
MAPPED_TO = "ااااهي" + "0123456789" + "0123456789"
REMOVED = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670" + "\u0640"

NORMALIZE_FUNCTION = f"""
CREATE FUNCTION inquiry_normalize_ar(input text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT btrim(regexp_replace(
    lower(translate(input, '{MAPPED_FROM}{REMOVED}', '{MAPPED_TO}')),
    '[[:space:]]+', ' ', 'g'))
$$
"""


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
    op.execute(NORMALIZE_FUNCTION)
    # references: INQ-<year>-<n>, n = nextval − the year's base + 1 (see the repository)
    op.execute("CREATE SEQUENCE inquiry_reference_seq AS bigint")

    op.create_table(
        "inquiry_category",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("description_ar", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("routing_organization_id", sa.UUID(), nullable=True),
        sa.Column("public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("intake_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["inquiry_category.id"],
            name=op.f("fk_inquiry_category_parent_id_inquiry_category"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_category")),
        sa.UniqueConstraint("organization_id", "code", name="uq_inquiry_category_organization_id"),
    )
    op.create_index(
        "ix_inquiry_category_organization_id_created_at",
        "inquiry_category",
        ["organization_id", "created_at", "id"],
    )
    op.create_index("ix_inquiry_category_parent_id", "inquiry_category", ["parent_id"])
    op.create_index(
        "ix_inquiry_category_public_created_at",
        "inquiry_category",
        ["created_at", "id"],
        postgresql_where=sa.text("public"),
    )
    op.create_index(
        "uq_inquiry_category_intake_default",
        "inquiry_category",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("intake_default"),
    )

    op.create_table(
        "inquiry_sla_policy",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes >= first_response_minutes",
            name=op.f("ck_inquiry_sla_policy_targets"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["inquiry_category.id"],
            name=op.f("fk_inquiry_sla_policy_category_id_inquiry_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_sla_policy")),
    )
    op.create_index("ix_inquiry_sla_policy_category_id", "inquiry_sla_policy", ["category_id"])
    op.create_index("ix_inquiry_sla_policy_created_at", "inquiry_sla_policy", ["created_at", "id"])
    op.create_index(
        "uq_inquiry_sla_policy_scope",
        "inquiry_sla_policy",
        ["organization_id", "category_id", "kind", "priority"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )

    op.create_table(
        "inquiry_reference_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_inquiry_reference_year")),
    )

    op.create_table(
        "inquiry",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("category_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("channel_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed(
                "inquiry_normalize_ar(((subject)::text || ' '::text) || body)", persisted=True
            ),
            nullable=True,
        ),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("location_lat", sa.Float(), nullable=True),
        sa.Column("location_long", sa.Float(), nullable=True),
        sa.Column("location_address", sa.String(length=500), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.UUID(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_by_type", sa.String(length=20), nullable=False),
        sa.Column("tracking_token_hash", sa.String(length=64), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.UUID(), nullable=True),
        sa.Column("transfer_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("survey_invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_policy_id", sa.UUID(), nullable=True),
        sa.Column("first_response_target_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_target_minutes", sa.Integer(), nullable=False),
        sa.Column("sla_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_response_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_business_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_business_minutes", sa.Integer(), nullable=True),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_risk_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_alarm_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_breached", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "first_response_breach_notified",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
        sa.Column(
            "resolution_breach_notified",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["inquiry_category.id"],
            name=op.f("fk_inquiry_category_id_inquiry_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_duplicate_of_inquiry"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sla_policy_id"],
            ["inquiry_sla_policy.id"],
            name=op.f("fk_inquiry_sla_policy_id_inquiry_sla_policy"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry")),
        sa.UniqueConstraint("reference", name="uq_inquiry_reference"),
    )
    for name, columns in (
        ("ix_inquiry_organization_id_created_at", ["organization_id", "created_at", "id"]),
        ("ix_inquiry_created_at_id", ["created_at", "id"]),
        ("ix_inquiry_status_created_at", ["status", "created_at", "id"]),
        ("ix_inquiry_kind_created_at", ["kind", "created_at", "id"]),
        ("ix_inquiry_channel_created_at", ["channel", "created_at", "id"]),
        ("ix_inquiry_priority_created_at", ["priority", "created_at", "id"]),
        ("ix_inquiry_category_id_created_at", ["category_id", "created_at", "id"]),
    ):
        op.create_index(name, "inquiry", columns)
    op.create_index(
        "ix_inquiry_assignee_id_created_at",
        "inquiry",
        ["assignee_id", "created_at", "id"],
        postgresql_where=sa.text("assignee_id IS NOT NULL"),
    )
    for column in ("sla_due_at", "sla_risk_at", "sla_alarm_at"):
        op.create_index(
            f"ix_inquiry_{column}",
            "inquiry",
            [column],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    op.create_index(
        "ix_inquiry_sla_breached_created_at",
        "inquiry",
        ["created_at", "id"],
        postgresql_where=sa.text("sla_breached"),
    )
    op.create_index(
        "ix_inquiry_search_text",
        "inquiry",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index(
        "uq_inquiry_source_external_id",
        "inquiry",
        ["source", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "ix_inquiry_duplicate_of",
        "inquiry",
        ["duplicate_of"],
        postgresql_where=sa.text("duplicate_of IS NOT NULL"),
    )

    op.create_table(
        "inquiry_message",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("inquiry_id", sa.UUID(), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("author_type", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_message_inquiry_id_inquiry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_message")),
    )
    op.create_index(
        "ix_inquiry_message_inquiry_id_created_at",
        "inquiry_message",
        ["inquiry_id", "created_at", "id"],
    )

    op.create_table(
        "inquiry_event",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("inquiry_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_event_inquiry_id_inquiry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_event")),
    )
    op.create_index(
        "ix_inquiry_event_inquiry_id_created_at",
        "inquiry_event",
        ["inquiry_id", "created_at", "id"],
    )

    op.create_table(
        "inquiry_survey",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("inquiry_id", sa.UUID(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_inquiry_survey_rating")),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiry.id"],
            name=op.f("fk_inquiry_survey_inquiry_id_inquiry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_survey")),
        sa.UniqueConstraint("inquiry_id", name="uq_inquiry_survey_inquiry_id"),
    )


def downgrade() -> None:
    op.drop_table("inquiry_survey")
    op.drop_index("ix_inquiry_event_inquiry_id_created_at", table_name="inquiry_event")
    op.drop_table("inquiry_event")
    op.drop_index("ix_inquiry_message_inquiry_id_created_at", table_name="inquiry_message")
    op.drop_table("inquiry_message")
    # dropping the table drops its indexes
    op.drop_table("inquiry")
    op.drop_table("inquiry_reference_year")
    op.drop_table("inquiry_sla_policy")
    op.drop_table("inquiry_category")
    op.execute("DROP SEQUENCE inquiry_reference_seq")
    op.execute("DROP FUNCTION inquiry_normalize_ar(text)")
