"""The configuration generation: one counter of changes to what intake reads.

An intake reads its context (the organization and its calendar, holidays, channels, the
category and the SLA policy) and then writes. The inquiries service keeps contexts it has
read with the generation they were read at, and its write only inserts when the counter
still holds that generation, so a kept context is never used after a change has committed.

Every change to the tables below raises the counter by one at commit: the triggers are
deferred row constraint triggers, so the counter's row lock is the last lock a
configuration transaction takes (no lock-order deadlocks between two such transactions) and
it is held only while that transaction commits. TRUNCATE, which row triggers do not see,
raises it from a statement trigger.

Revision ID: 0006_config_generation
Revises: 0005_inquiries_bench_indexes
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_config_generation"
down_revision: str | None = "0005_inquiries_bench_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "directory_organization",
    "directory_holiday",
    "directory_channel",
    "inquiry_category",
    "inquiry_sla_policy",
)

BUMP_FUNCTION = """
CREATE FUNCTION common_bump_config_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE common_config_generation SET generation = generation + 1;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "common_config_generation",
        sa.Column("id", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("generation", sa.BigInteger(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("id", name=op.f("ck_common_config_generation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_common_config_generation")),
    )
    op.execute("INSERT INTO common_config_generation DEFAULT VALUES")
    op.execute(BUMP_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_config_generation "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION common_bump_config_generation()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_config_generation_truncate "
            f"AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION common_bump_config_generation()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_config_generation_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_config_generation ON {table}")
    op.execute("DROP FUNCTION common_bump_config_generation()")
    op.drop_table("common_config_generation")
