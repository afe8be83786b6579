"""The KPI roll-up behind scorecards: each organization's own figures of a KPI per window
(a month, a quarter, a year) — its verified values and its targets there, rolled over the
window's periods by every aggregation rule — so a scorecard adds one row per KPI and
organization of the subtree instead of grouping and sorting every value. Kept by the KPI
write path; filled here from the values and targets already there.

Revision ID: 0022_scorecard
Revises: 0021_kpi_source
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_scorecard"
down_revision: str | None = "0021_kpi_source"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The windows a period of alias `p` counts in: itself, its year, a month's quarter.
WINDOWS = (
    "unnest(ARRAY[p.period, "
    "CASE WHEN length(p.period) > 4 THEN left(p.period, 4) END, "
    "CASE WHEN p.period ~ '^[0-9]{4}-[0-9]{2}$' "
    "THEN left(p.period, 5) || 'Q' || ((substr(p.period, 6, 2)::int + 2) / 3) END"
    "]) AS w(period)"
)

BACKFILL = f"""
INSERT INTO campaign_kpi_rollup (kpi_id, period, organization_id, value_sum, value_avg,
    value_last, target_sum, target_avg, target_last, amber_sum, amber_avg, amber_last)
SELECT coalesce(v.kpi_id, t.kpi_id), coalesce(v.period, t.period),
       coalesce(v.organization_id, t.organization_id),
       v.total, v.mean, v.latest,
       t.total, t.mean, t.latest, t.amber_total, t.amber_mean, t.amber_latest
FROM (
    SELECT p.kpi_id, p.organization_id, w.period,
           sum(p.value) AS total, avg(p.value) AS mean,
           (array_agg(p.value ORDER BY p.period DESC))[1] AS latest
    FROM campaign_kpi_value AS p, {WINDOWS}
    WHERE p.status = 'verified' AND w.period IS NOT NULL
    GROUP BY p.kpi_id, p.organization_id, w.period
) AS v
FULL JOIN (
    SELECT p.kpi_id, p.organization_id, w.period,
           sum(p.target) AS total, avg(p.target) AS mean,
           (array_agg(p.target ORDER BY p.period DESC))[1] AS latest,
           sum(p.amber_at) AS amber_total, avg(p.amber_at) AS amber_mean,
           (array_agg(p.amber_at ORDER BY p.period DESC)
               FILTER (WHERE p.amber_at IS NOT NULL))[1] AS amber_latest
    FROM campaign_kpi_target AS p, {WINDOWS}
    WHERE w.period IS NOT NULL
    GROUP BY p.kpi_id, p.organization_id, w.period
) AS t ON t.kpi_id = v.kpi_id AND t.organization_id = v.organization_id
      AND t.period = v.period
"""  # noqa: S608 (constants only)

FIGURES = (
    "value_sum",
    "value_avg",
    "value_last",
    "target_sum",
    "target_avg",
    "target_last",
    "amber_sum",
    "amber_avg",
    "amber_last",
)


def upgrade() -> None:
    op.create_table(
        "campaign_kpi_rollup",
        sa.Column("kpi_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        *(sa.Column(name, sa.Numeric(), nullable=True) for name in FIGURES),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["campaign_kpi.id"],
            name=op.f("fk_campaign_kpi_rollup_kpi_id_campaign_kpi"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "kpi_id", "period", "organization_id", name=op.f("pk_campaign_kpi_rollup")
        ),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("campaign_kpi_rollup")
