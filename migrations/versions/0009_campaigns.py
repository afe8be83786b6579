"""Campaigns: axes (seeded with the six of S1-6), initiatives, milestones, beneficiaries,
the integration rubric (seeded), KPIs with targets and values, reports; campaigns with
flights, key messages and their versions, crisis playbooks and activations. For the
inquiries service's part of a crisis: `inquiry.tags` and `inquiry_crisis_rule`.

Revision ID: 0009_campaigns
Revises: 0008_calendar
Create Date: 2026-12-06
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_campaigns"
down_revision: str | None = "0008_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The six axes of the municipal sector's initiatives (S1-6); editable afterwards.
AXES = (
    ("health_awareness", "التوعية الصحية", "Health awareness"),
    ("e_services", "الخدمات الإلكترونية", "E-services"),
    ("interactive_services", "الخدمات التفاعلية", "Interactive services"),
    ("infrastructure", "البنية التحتية", "Infrastructure"),
    ("inspection", "الرقابة والتفتيش", "Inspection"),
    ("process_improvement", "تحسين الإجراءات", "Process improvement"),
)

# The default integration rubric (S1-8): code, Arabic, English, rule, weight.
CRITERIA = (
    (
        "partners",
        "مشاركة جهات أخرى في التنفيذ",
        "Other organizations take part",
        "has_partners",
        30,
    ),
    ("kpis", "مؤشرات أداء مرتبطة", "Linked performance indicators", "has_kpis", 20),
    ("milestones", "مراحل مجدولة بأوزان", "Weighted, dated milestones", "has_milestones", 20),
    (
        "beneficiaries",
        "أعداد مستفيدين معلنة",
        "Beneficiary figures reported",
        "has_beneficiaries",
        15,
    ),
    ("published", "منشورة للعموم", "Published to the public", "published", 15),
)


def upgrade() -> None:
    op.create_table(
        "campaign_axis",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_ar", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_axis")),
        sa.UniqueConstraint("code", name="uq_campaign_axis_code"),
    )
    op.create_index(
        "ix_campaign_axis_created_at_id", "campaign_axis", ["created_at", "id"], unique=False
    )
    op.create_table(
        "campaign_crisis_playbook",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("scenario_ar", sa.Text(), nullable=False),
        sa.Column("scenario_en", sa.Text(), nullable=True),
        sa.Column(
            "levels",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "holding_message_version_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "spokesperson_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "channels",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "keywords",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_crisis_playbook")),
    )
    op.create_index(
        "ix_campaign_crisis_playbook_created_at_id",
        "campaign_crisis_playbook",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_crisis_playbook_organization_id",
        "campaign_crisis_playbook",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "campaign_integration_criterion",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_ar", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("rule", sa.String(length=50), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
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
        sa.CheckConstraint("weight > 0", name=op.f("ck_campaign_integration_criterion_weight")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_integration_criterion")),
        sa.UniqueConstraint("code", name="uq_campaign_integration_criterion_code"),
    )
    op.create_table(
        "campaign_key_message",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_key_message")),
        sa.UniqueConstraint(
            "organization_id", "code", name="uq_campaign_key_message_organization_id"
        ),
    )
    op.create_index(
        "ix_campaign_key_message_created_at_id",
        "campaign_key_message",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_key_message_organization_id",
        "campaign_key_message",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "inquiry_crisis_rule",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("keywords", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_crisis_rule")),
    )
    op.create_index(
        "ix_inquiry_crisis_rule_open",
        "inquiry_crisis_rule",
        ["organization_id"],
        unique=False,
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "campaign_crisis_activation",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("playbook_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("campaign_id", sa.UUID(), nullable=True),
        sa.Column(
            "suspend_calendar", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("activated_by", sa.String(length=100), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["campaign_crisis_playbook.id"],
            name=op.f("fk_campaign_crisis_activation_playbook_id_campaign_crisis_playbook"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_crisis_activation")),
    )
    op.create_index(
        "ix_campaign_crisis_activation_organization_id",
        "campaign_crisis_activation",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "uq_campaign_crisis_activation_open",
        "campaign_crisis_activation",
        ["playbook_id", "organization_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "campaign_initiative",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("title_ar", sa.String(length=500), nullable=False),
        sa.Column("title_en", sa.String(length=500), nullable=True),
        sa.Column("title_search", sa.String(length=500), nullable=False),
        sa.Column("description_ar", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "participating_organization_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("axis_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column(
            "weight", sa.Numeric(precision=8, scale=2), server_default=sa.text("1"), nullable=False
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("budget_planned", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("budget_actual", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default=sa.text("'SAR'"), nullable=False),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'proposed'"), nullable=False
        ),
        sa.Column("published", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "progress",
            sa.Numeric(precision=5, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "beneficiaries_target", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column(
            "beneficiaries_actual", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=100), nullable=True),
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
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_campaign_initiative_dates")),
        sa.CheckConstraint("weight > 0", name=op.f("ck_campaign_initiative_weight")),
        sa.ForeignKeyConstraint(
            ["axis_id"],
            ["campaign_axis.id"],
            name=op.f("fk_campaign_initiative_axis_id_campaign_axis"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["campaign_initiative.id"],
            name=op.f("fk_campaign_initiative_parent_id_campaign_initiative"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_initiative")),
        sa.UniqueConstraint(
            "organization_id", "code", name="uq_campaign_initiative_organization_id"
        ),
    )
    op.create_index(
        "ix_campaign_initiative_axis_id", "campaign_initiative", ["axis_id"], unique=False
    )
    op.create_index(
        "ix_campaign_initiative_created_at_id",
        "campaign_initiative",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_initiative_organization_id",
        "campaign_initiative",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_initiative_parent_id", "campaign_initiative", ["parent_id"], unique=False
    )
    op.create_index(
        "ix_campaign_initiative_published_created_at",
        "campaign_initiative",
        ["created_at", "id"],
        unique=False,
        postgresql_where=sa.text("published"),
    )
    op.create_index(
        "ix_campaign_initiative_status", "campaign_initiative", ["status"], unique=False
    )
    op.create_index(
        "ix_campaign_initiative_title_search",
        "campaign_initiative",
        ["title_search"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title_search": "gin_trgm_ops"},
    )
    op.create_table(
        "campaign_key_message_version",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("key_message_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text_ar", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'draft'"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["key_message_id"],
            ["campaign_key_message.id"],
            name=op.f("fk_campaign_key_message_version_key_message_id_campaign_key_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_key_message_version")),
        sa.UniqueConstraint(
            "key_message_id", "number", name="uq_campaign_key_message_version_key_message_id"
        ),
    )
    op.create_index(
        "ix_campaign_key_message_version_organization_id",
        "campaign_key_message_version",
        ["organization_id", "status"],
        unique=False,
    )
    op.create_table(
        "campaign_beneficiary",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("initiative_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("segment", sa.String(length=50), server_default=sa.text("''"), nullable=False),
        sa.Column("target", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("actual", sa.Integer(), server_default=sa.text("0"), nullable=False),
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
        sa.CheckConstraint(
            "target >= 0 AND actual >= 0", name=op.f("ck_campaign_beneficiary_figures")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["campaign_initiative.id"],
            name=op.f("fk_campaign_beneficiary_initiative_id_campaign_initiative"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_beneficiary")),
        sa.UniqueConstraint(
            "initiative_id",
            "organization_id",
            "period",
            "segment",
            name="uq_campaign_beneficiary_initiative_id",
        ),
    )
    op.create_table(
        "campaign_campaign",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("title_ar", sa.String(length=500), nullable=False),
        sa.Column("title_en", sa.String(length=500), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("initiative_id", sa.UUID(), nullable=True),
        sa.Column("objective_ar", sa.Text(), nullable=False),
        sa.Column("objective_en", sa.Text(), nullable=True),
        sa.Column(
            "audiences",
            postgresql.ARRAY(sa.String(length=50)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "channels",
            postgresql.ARRAY(sa.String(length=100)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("budget", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default=sa.text("'SAR'"), nullable=False),
        sa.Column(
            "key_message_version_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'draft'"), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("activation_id", sa.UUID(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
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
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_campaign_campaign_dates")),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["campaign_initiative.id"],
            name=op.f("fk_campaign_campaign_initiative_id_campaign_initiative"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_campaign")),
        sa.UniqueConstraint("organization_id", "code", name="uq_campaign_campaign_organization_id"),
    )
    op.create_index(
        "ix_campaign_campaign_created_at_id",
        "campaign_campaign",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_campaign_initiative_id", "campaign_campaign", ["initiative_id"], unique=False
    )
    op.create_index(
        "ix_campaign_campaign_organization_id",
        "campaign_campaign",
        ["organization_id"],
        unique=False,
    )
    op.create_index("ix_campaign_campaign_status", "campaign_campaign", ["status"], unique=False)
    op.create_index("ix_campaign_campaign_type", "campaign_campaign", ["type"], unique=False)
    op.create_table(
        "campaign_kpi",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_ar", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("aggregation", sa.String(length=10), nullable=False),
        sa.Column("initiative_id", sa.UUID(), nullable=True),
        sa.Column("campaign_id", sa.UUID(), nullable=True),
        sa.Column("axis_id", sa.UUID(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["axis_id"],
            ["campaign_axis.id"],
            name=op.f("fk_campaign_kpi_axis_id_campaign_axis"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["campaign_initiative.id"],
            name=op.f("fk_campaign_kpi_initiative_id_campaign_initiative"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_kpi")),
        sa.UniqueConstraint("organization_id", "code", name="uq_campaign_kpi_organization_id"),
    )
    op.create_index("ix_campaign_kpi_axis_id", "campaign_kpi", ["axis_id"], unique=False)
    op.create_index("ix_campaign_kpi_campaign_id", "campaign_kpi", ["campaign_id"], unique=False)
    op.create_index(
        "ix_campaign_kpi_created_at_id", "campaign_kpi", ["created_at", "id"], unique=False
    )
    op.create_index(
        "ix_campaign_kpi_initiative_id", "campaign_kpi", ["initiative_id"], unique=False
    )
    op.create_index(
        "ix_campaign_kpi_organization_id", "campaign_kpi", ["organization_id"], unique=False
    )
    op.create_table(
        "campaign_milestone",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("initiative_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("title_ar", sa.String(length=500), nullable=False),
        sa.Column("title_en", sa.String(length=500), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "weight > 0 AND weight <= 100", name=op.f("ck_campaign_milestone_weight")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["campaign_initiative.id"],
            name=op.f("fk_campaign_milestone_initiative_id_campaign_initiative"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_milestone")),
    )
    op.create_index(
        "ix_campaign_milestone_initiative_id",
        "campaign_milestone",
        ["initiative_id", "due_date"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_milestone_open_due",
        "campaign_milestone",
        ["organization_id", "due_date"],
        unique=False,
        postgresql_where=sa.text("completed_at IS NULL"),
    )
    op.create_index(
        "ix_campaign_milestone_sweep",
        "campaign_milestone",
        ["due_date"],
        unique=False,
        postgresql_where=sa.text("completed_at IS NULL AND overdue_notified_at IS NULL"),
    )
    op.create_table(
        "campaign_report",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title_ar", sa.String(length=500), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "activities",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "coverage",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("campaign_id", sa.UUID(), nullable=True),
        sa.Column("initiative_id", sa.UUID(), nullable=True),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'draft'"), nullable=False
        ),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
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
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_campaign_report_period")),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["campaign_initiative.id"],
            name=op.f("fk_campaign_report_initiative_id_campaign_initiative"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_report")),
    )
    op.create_index(
        "ix_campaign_report_campaign_id", "campaign_report", ["campaign_id"], unique=False
    )
    op.create_index(
        "ix_campaign_report_created_at_id", "campaign_report", ["created_at", "id"], unique=False
    )
    op.create_index(
        "ix_campaign_report_initiative_id", "campaign_report", ["initiative_id"], unique=False
    )
    op.create_index(
        "ix_campaign_report_organization_id",
        "campaign_report",
        ["organization_id", "period_start"],
        unique=False,
    )
    op.create_index("ix_campaign_report_status", "campaign_report", ["status"], unique=False)
    op.create_table(
        "campaign_campaign_decision",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign_campaign.id"],
            name=op.f("fk_campaign_campaign_decision_campaign_id_campaign_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_campaign_decision")),
    )
    op.create_index(
        "ix_campaign_campaign_decision_campaign_id",
        "campaign_campaign_decision",
        ["campaign_id"],
        unique=False,
    )
    op.create_table(
        "campaign_flight",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
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
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_campaign_flight_dates")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign_campaign.id"],
            name=op.f("fk_campaign_flight_campaign_id_campaign_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_flight")),
    )
    op.create_index(
        "ix_campaign_flight_campaign_id",
        "campaign_flight",
        ["campaign_id", "start_date"],
        unique=False,
    )
    op.create_table(
        "campaign_kpi_target",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kpi_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("baseline", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("target", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("amber_at", sa.Numeric(precision=20, scale=4), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["campaign_kpi.id"],
            name=op.f("fk_campaign_kpi_target_kpi_id_campaign_kpi"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_kpi_target")),
        sa.UniqueConstraint(
            "kpi_id", "organization_id", "period", name="uq_campaign_kpi_target_kpi_id"
        ),
    )
    op.create_table(
        "campaign_kpi_value",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kpi_id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("evidence_url", sa.String(length=2000), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "status", sa.String(length=20), server_default=sa.text("'submitted'"), nullable=False
        ),
        sa.Column("source", sa.String(length=50), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["campaign_kpi.id"],
            name=op.f("fk_campaign_kpi_value_kpi_id_campaign_kpi"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_kpi_value")),
    )
    op.create_index(
        "ix_campaign_kpi_value_created_at_id",
        "campaign_kpi_value",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_kpi_value_kpi_id", "campaign_kpi_value", ["kpi_id", "period"], unique=False
    )
    op.create_index(
        "ix_campaign_kpi_value_organization_id",
        "campaign_kpi_value",
        ["organization_id", "status"],
        unique=False,
    )
    op.create_index(
        "uq_campaign_kpi_value_live",
        "campaign_kpi_value",
        ["kpi_id", "organization_id", "period"],
        unique=True,
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.add_column(
        "inquiry", sa.Column("tags", postgresql.ARRAY(sa.String(length=100)), nullable=True)
    )
    op.create_index("ix_inquiry_tags", "inquiry", ["tags"], unique=False, postgresql_using="gin")
    seed()


def downgrade() -> None:
    op.drop_index("ix_inquiry_tags", table_name="inquiry", postgresql_using="gin")
    op.drop_column("inquiry", "tags")
    op.drop_index(
        "uq_campaign_kpi_value_live",
        table_name="campaign_kpi_value",
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.drop_index("ix_campaign_kpi_value_organization_id", table_name="campaign_kpi_value")
    op.drop_index("ix_campaign_kpi_value_kpi_id", table_name="campaign_kpi_value")
    op.drop_index("ix_campaign_kpi_value_created_at_id", table_name="campaign_kpi_value")
    op.drop_table("campaign_kpi_value")
    op.drop_table("campaign_kpi_target")
    op.drop_index("ix_campaign_flight_campaign_id", table_name="campaign_flight")
    op.drop_table("campaign_flight")
    op.drop_index(
        "ix_campaign_campaign_decision_campaign_id", table_name="campaign_campaign_decision"
    )
    op.drop_table("campaign_campaign_decision")
    op.drop_index("ix_campaign_report_status", table_name="campaign_report")
    op.drop_index("ix_campaign_report_organization_id", table_name="campaign_report")
    op.drop_index("ix_campaign_report_initiative_id", table_name="campaign_report")
    op.drop_index("ix_campaign_report_created_at_id", table_name="campaign_report")
    op.drop_index("ix_campaign_report_campaign_id", table_name="campaign_report")
    op.drop_table("campaign_report")
    op.drop_index(
        "ix_campaign_milestone_sweep",
        table_name="campaign_milestone",
        postgresql_where=sa.text("completed_at IS NULL AND overdue_notified_at IS NULL"),
    )
    op.drop_index(
        "ix_campaign_milestone_open_due",
        table_name="campaign_milestone",
        postgresql_where=sa.text("completed_at IS NULL"),
    )
    op.drop_index("ix_campaign_milestone_initiative_id", table_name="campaign_milestone")
    op.drop_table("campaign_milestone")
    op.drop_index("ix_campaign_kpi_organization_id", table_name="campaign_kpi")
    op.drop_index("ix_campaign_kpi_initiative_id", table_name="campaign_kpi")
    op.drop_index("ix_campaign_kpi_created_at_id", table_name="campaign_kpi")
    op.drop_index("ix_campaign_kpi_campaign_id", table_name="campaign_kpi")
    op.drop_index("ix_campaign_kpi_axis_id", table_name="campaign_kpi")
    op.drop_table("campaign_kpi")
    op.drop_index("ix_campaign_campaign_type", table_name="campaign_campaign")
    op.drop_index("ix_campaign_campaign_status", table_name="campaign_campaign")
    op.drop_index("ix_campaign_campaign_organization_id", table_name="campaign_campaign")
    op.drop_index("ix_campaign_campaign_initiative_id", table_name="campaign_campaign")
    op.drop_index("ix_campaign_campaign_created_at_id", table_name="campaign_campaign")
    op.drop_table("campaign_campaign")
    op.drop_table("campaign_beneficiary")
    op.drop_index(
        "ix_campaign_key_message_version_organization_id", table_name="campaign_key_message_version"
    )
    op.drop_table("campaign_key_message_version")
    op.drop_index(
        "ix_campaign_initiative_title_search",
        table_name="campaign_initiative",
        postgresql_using="gin",
        postgresql_ops={"title_search": "gin_trgm_ops"},
    )
    op.drop_index("ix_campaign_initiative_status", table_name="campaign_initiative")
    op.drop_index(
        "ix_campaign_initiative_published_created_at",
        table_name="campaign_initiative",
        postgresql_where=sa.text("published"),
    )
    op.drop_index("ix_campaign_initiative_parent_id", table_name="campaign_initiative")
    op.drop_index("ix_campaign_initiative_organization_id", table_name="campaign_initiative")
    op.drop_index("ix_campaign_initiative_created_at_id", table_name="campaign_initiative")
    op.drop_index("ix_campaign_initiative_axis_id", table_name="campaign_initiative")
    op.drop_table("campaign_initiative")
    op.drop_index(
        "uq_campaign_crisis_activation_open",
        table_name="campaign_crisis_activation",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index(
        "ix_campaign_crisis_activation_organization_id", table_name="campaign_crisis_activation"
    )
    op.drop_table("campaign_crisis_activation")
    op.drop_index(
        "ix_inquiry_crisis_rule_open",
        table_name="inquiry_crisis_rule",
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.drop_table("inquiry_crisis_rule")
    op.drop_index("ix_campaign_key_message_organization_id", table_name="campaign_key_message")
    op.drop_index("ix_campaign_key_message_created_at_id", table_name="campaign_key_message")
    op.drop_table("campaign_key_message")
    op.drop_table("campaign_integration_criterion")
    op.drop_index(
        "ix_campaign_crisis_playbook_organization_id", table_name="campaign_crisis_playbook"
    )
    op.drop_index(
        "ix_campaign_crisis_playbook_created_at_id", table_name="campaign_crisis_playbook"
    )
    op.drop_table("campaign_crisis_playbook")
    op.drop_index("ix_campaign_axis_created_at_id", table_name="campaign_axis")
    op.drop_table("campaign_axis")


def seed() -> None:
    axis = sa.table(
        "campaign_axis",
        sa.column("id", sa.UUID()),
        sa.column("code", sa.String()),
        sa.column("name_ar", sa.String()),
        sa.column("name_en", sa.String()),
    )
    op.bulk_insert(
        axis,
        [{"id": uuid.uuid4(), "code": c, "name_ar": ar, "name_en": en} for c, ar, en in AXES],
    )
    criterion = sa.table(
        "campaign_integration_criterion",
        sa.column("id", sa.UUID()),
        sa.column("code", sa.String()),
        sa.column("name_ar", sa.String()),
        sa.column("name_en", sa.String()),
        sa.column("rule", sa.String()),
        sa.column("weight", sa.Numeric()),
        sa.column("position", sa.Integer()),
    )
    op.bulk_insert(
        criterion,
        [
            {
                "id": uuid.uuid4(),
                "code": c,
                "name_ar": ar,
                "name_en": en,
                "rule": rule,
                "weight": weight,
                "position": i,
            }
            for i, (c, ar, en, rule, weight) in enumerate(CRITERIA)
        ],
    )
