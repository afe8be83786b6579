"""Directory: organization tree (ltree paths), holidays, staff, machine clients, channels.

Revision ID: 0002_directory
Revises: 0001_common
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_directory"
down_revision: str | None = "0001_common"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class Ltree(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "LTREE"


def upgrade() -> None:
    op.create_table(
        "directory_organization",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("path", Ltree(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_ar", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("weekend", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("work_start", sa.Time(), nullable=True),
        sa.Column("work_end", sa.Time(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
            ["parent_id"],
            ["directory_organization.id"],
            name=op.f("fk_directory_organization_parent_id_directory_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_organization")),
        sa.UniqueConstraint("code", name="uq_directory_organization_code"),
    )
    op.create_index(
        "ix_directory_organization_created_at_id",
        "directory_organization",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_directory_organization_parent_id", "directory_organization", ["parent_id"], unique=False
    )
    op.create_index(
        "ix_directory_organization_path",
        "directory_organization",
        ["path"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_table(
        "directory_api_client",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "scopes",
            postgresql.ARRAY(sa.String(length=50)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True),
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
            ["organization_id"],
            ["directory_organization.id"],
            name=op.f("fk_directory_api_client_organization_id_directory_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_api_client")),
        sa.UniqueConstraint("client_id", name="uq_directory_api_client_client_id"),
    )
    op.create_index(
        "ix_directory_api_client_organization_id_created_at",
        "directory_api_client",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "directory_channel",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("handle", sa.String(length=300), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("intake", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("publish", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
            ["organization_id"],
            ["directory_organization.id"],
            name=op.f("fk_directory_channel_organization_id_directory_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_channel")),
    )
    op.create_index(
        "ix_directory_channel_created_at_id",
        "directory_channel",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_directory_channel_organization_id_kind",
        "directory_channel",
        ["organization_id", "kind"],
        unique=False,
    )
    op.create_table(
        "directory_holiday",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
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
            ["organization_id"],
            ["directory_organization.id"],
            name=op.f("fk_directory_holiday_organization_id_directory_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_holiday")),
        sa.UniqueConstraint("organization_id", "date", name="uq_directory_holiday_organization_id"),
    )
    op.create_table(
        "directory_user",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name_ar", sa.String(length=200), nullable=False),
        sa.Column("full_name_en", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "roles",
            postgresql.ARRAY(sa.String(length=30)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
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
            ["organization_id"],
            ["directory_organization.id"],
            name=op.f("fk_directory_user_organization_id_directory_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_user")),
    )
    op.create_index(
        "ix_directory_user_organization_id_created_at",
        "directory_user",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "uq_directory_user_username_lower",
        "directory_user",
        [sa.literal_column("lower(username)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_directory_user_username_lower", table_name="directory_user")
    op.drop_index("ix_directory_user_organization_id_created_at", table_name="directory_user")
    op.drop_table("directory_user")
    op.drop_table("directory_holiday")
    op.drop_index("ix_directory_channel_organization_id_kind", table_name="directory_channel")
    op.drop_index("ix_directory_channel_created_at_id", table_name="directory_channel")
    op.drop_table("directory_channel")
    op.drop_index(
        "ix_directory_api_client_organization_id_created_at", table_name="directory_api_client"
    )
    op.drop_table("directory_api_client")
    op.drop_index(
        "ix_directory_organization_path",
        table_name="directory_organization",
        postgresql_using="gist",
    )
    op.drop_index("ix_directory_organization_parent_id", table_name="directory_organization")
    op.drop_index("ix_directory_organization_created_at_id", table_name="directory_organization")
    op.drop_table("directory_organization")
