"""Statistics for the organization tree from its first changes.

Every list, range query and conflict check reaches `directory_organization` (the caller's
subtree). PostgreSQL's autovacuum analyzes a table after 50 changed rows plus 10 % of it,
so a real tree of a ministry and its few dozen bodies may never get statistics; without
them a pooled connection's generic plan (from the sixth run of a prepared statement) took
the tree for one row and scanned every organization's calendar occurrences (200–350 ms a
conflict check instead of 3–20). Five changed rows are enough here: the table is small and
read far more than written. Analyzed once now for databases that already hold a tree.

Revision ID: 0023_tree_statistics
Revises: 0022_scorecard
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023_tree_statistics"
down_revision: str | None = "0022_scorecard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE directory_organization SET "
        "(autovacuum_analyze_threshold = 5, autovacuum_analyze_scale_factor = 0.05)"
    )
    op.execute("ANALYZE directory_organization")


def downgrade() -> None:
    op.execute(
        "ALTER TABLE directory_organization RESET "
        "(autovacuum_analyze_threshold, autovacuum_analyze_scale_factor)"
    )
