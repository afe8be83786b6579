"""Calendar: entries, their materialized occurrences and overrides, approval policies and
steps, history, suspensions, occasions and moon-sighting confirmations, iCalendar feeds.

Revision ID: 0008_calendar
Revises: 0007_security
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_calendar"
down_revision: str | None = "0007_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMPTY_ARRAY = sa.text("'{}'::text[]")
TABLES = (
    "calendar_feed",
    "calendar_occasion_confirmation",
    "calendar_occasion",
    "calendar_suspension",
    "calendar_entry_history",
    "calendar_approval_step",
    "calendar_approval_policy",
    "calendar_override",
    "calendar_occurrence",
    "calendar_entry",
)


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


def _texts(name: str) -> sa.Column[object]:
    return sa.Column(name, postgresql.ARRAY(sa.Text()), server_default=EMPTY_ARRAY, nullable=False)


def upgrade() -> None:
    uuid = postgresql.UUID(as_uuid=True)
    op.create_table(
        "calendar_entry",
        sa.Column("id", uuid, nullable=False),
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title_ar", sa.String(500), nullable=False),
        sa.Column("title_en", sa.String(500)),
        sa.Column("description_ar", sa.Text()),
        sa.Column("description_en", sa.Text()),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("rrule", sa.Text()),
        sa.Column(
            "exdates",
            postgresql.JSONB(),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        _texts("channels"),
        _texts("audiences"),
        sa.Column("visibility", sa.String(20), nullable=False),
        sa.Column("spokesperson_id", uuid),
        sa.Column("location", sa.String(500)),
        sa.Column("campaign_id", uuid),
        sa.Column("flight_id", sa.String(200)),
        sa.Column("external_source", sa.String(100)),
        sa.Column("external_id", sa.String(200)),
        _texts("blocks"),
        sa.Column("enforcement", sa.String(10)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("series_span", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("split_from_id", uuid),
        sa.Column("suspension_id", uuid),
        sa.Column("created_by", sa.String(200)),
        sa.Column("updated_by", sa.String(200)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_entry"),
    )
    op.create_index(
        "ix_calendar_entry_organization_id_status", "calendar_entry", ["organization_id", "status"]
    )
    op.create_index(
        "ix_calendar_entry_series_span", "calendar_entry", ["series_span"], postgresql_using="gist"
    )
    op.create_index(
        "uq_calendar_entry_external",
        "calendar_entry",
        ["external_source", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "ix_calendar_entry_campaign_id",
        "calendar_entry",
        ["campaign_id"],
        postgresql_where=sa.text("campaign_id IS NOT NULL"),
    )
    op.create_index(
        "ix_calendar_entry_search_text",
        "calendar_entry",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_calendar_entry_suspension_id",
        "calendar_entry",
        ["suspension_id"],
        postgresql_where=sa.text("suspension_id IS NOT NULL"),
    )

    op.create_table(
        "calendar_occurrence",
        sa.Column("entry_id", uuid, nullable=False),
        sa.Column("recurrence_id", sa.String(20), nullable=False),
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("visibility", sa.String(20), nullable=False),
        sa.Column("channels", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("audiences", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("spokesperson_id", uuid),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("span", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("days", postgresql.DATERANGE(), nullable=False),
        sa.Column("overridden", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("cancelled", sa.Boolean(), server_default="false", nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["calendar_entry.id"],
            name="fk_calendar_occurrence_entry_id_calendar_entry",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "recurrence_id", name="pk_calendar_occurrence"),
    )
    op.create_index(
        "ix_calendar_occurrence_organization_id_span",
        "calendar_occurrence",
        ["organization_id", "span"],
        postgresql_using="gist",
    )
    op.create_index(
        "ix_calendar_occurrence_span", "calendar_occurrence", ["span"], postgresql_using="gist"
    )
    op.create_index(
        "ix_calendar_occurrence_days", "calendar_occurrence", ["days"], postgresql_using="gist"
    )
    op.create_index(
        "ix_calendar_occurrence_starts_at",
        "calendar_occurrence",
        ["starts_at", "entry_id", "recurrence_id"],
    )
    op.create_index(
        "ix_calendar_occurrence_channels",
        "calendar_occurrence",
        ["channels"],
        postgresql_using="gin",
    )
    op.create_index(
        "ix_calendar_occurrence_audiences",
        "calendar_occurrence",
        ["audiences"],
        postgresql_using="gin",
    )
    op.create_index(
        "ix_calendar_occurrence_spokesperson_id_span",
        "calendar_occurrence",
        ["spokesperson_id", "span"],
        postgresql_using="gist",
        postgresql_where=sa.text("spokesperson_id IS NOT NULL"),
    )

    op.create_table(
        "calendar_override",
        sa.Column("entry_id", uuid, nullable=False),
        sa.Column("recurrence_id", sa.String(20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("cancelled", sa.Boolean(), server_default="false", nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["calendar_entry.id"],
            name="fk_calendar_override_entry_id_calendar_entry",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "recurrence_id", name="pk_calendar_override"),
    )

    op.create_table(
        "calendar_approval_policy",
        sa.Column("id", uuid, nullable=False),
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("name_ar", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300)),
        _texts("kinds"),
        sa.Column("steps", postgresql.JSONB(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_approval_policy"),
    )
    op.create_index(
        "ix_calendar_approval_policy_organization_id",
        "calendar_approval_policy",
        ["organization_id", "created_at"],
    )

    op.create_table(
        "calendar_approval_step",
        sa.Column("id", uuid, nullable=False),
        sa.Column("entry_id", uuid, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("comment", sa.Text()),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["calendar_entry.id"],
            name="fk_calendar_approval_step_entry_id_calendar_entry",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_approval_step"),
    )
    op.create_index(
        "ix_calendar_approval_step_entry_id",
        "calendar_approval_step",
        ["entry_id", "version", "position"],
    )
    op.create_index(
        "ix_calendar_approval_step_waiting",
        "calendar_approval_step",
        ["organization_id", "created_at", "id"],
        postgresql_where=sa.text("status = 'waiting'"),
    )

    op.create_table(
        "calendar_entry_history",
        sa.Column("id", uuid, nullable=False),
        sa.Column("entry_id", uuid, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(200)),
        sa.Column("actor_type", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("suspension_id", uuid),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["calendar_entry.id"],
            name="fk_calendar_entry_history_entry_id_calendar_entry",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_entry_history"),
    )
    op.create_index(
        "ix_calendar_entry_history_entry_id",
        "calendar_entry_history",
        ["entry_id", "occurred_at", "id"],
    )

    op.create_table(
        "calendar_suspension",
        sa.Column("id", uuid, nullable=False),
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _texts("kinds"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("entry_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("lifted_by", sa.String(200)),
        sa.Column("lifted_at", sa.DateTime(timezone=True)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_suspension"),
    )
    op.create_index(
        "ix_calendar_suspension_organization_id",
        "calendar_suspension",
        ["organization_id", "created_at", "id"],
    )

    op.create_table(
        "calendar_occasion",
        sa.Column("id", uuid, nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("region", sa.String(2)),
        sa.Column("name_ar", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300)),
        sa.Column("calendar", sa.String(10), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("duration_days", sa.Integer(), server_default="1", nullable=False),
        sa.Column("day_off", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_occasion"),
        sa.UniqueConstraint("code", name="uq_calendar_occasion_code"),
    )

    op.create_table(
        "calendar_occasion_confirmation",
        sa.Column("id", uuid, nullable=False),
        sa.Column("occasion_id", uuid, nullable=False),
        sa.Column("hijri_year", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("confirmed_by", sa.String(200)),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["occasion_id"],
            ["calendar_occasion.id"],
            name="fk_calendar_occasion_confirmation_occasion_id_calendar_occasion",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_occasion_confirmation"),
        sa.UniqueConstraint(
            "occasion_id",
            "hijri_year",
            name="uq_calendar_occasion_confirmation_occasion_id",
        ),
    )

    op.create_table(
        "calendar_feed",
        sa.Column("id", uuid, nullable=False),
        sa.Column("organization_id", uuid, nullable=False),
        sa.Column("name", sa.String(300)),
        sa.Column("scope", sa.String(20), nullable=False),
        _texts("kinds"),
        _texts("statuses"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feed"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),
    )
    op.create_index(
        "ix_calendar_feed_organization_id",
        "calendar_feed",
        ["organization_id", "created_at", "id"],
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
