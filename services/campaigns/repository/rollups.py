"""SQL of the KPI roll-up (`campaign_kpi_rollup`): each organization's own figures of a
KPI per window, rewritten by the write path, added up over a subtree by the scorecard in
one statement.

A window is a month, a quarter or a year; a period counts in itself, in its quarter (a
month) and in its year (a month or a quarter), which are exactly the windows that contain
it (`domain.periods.contains`). So a scorecard for any window reads one row per KPI and
organization of the subtree, whatever the number of periods inside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.campaigns.models import KpiRollup
from services.common.orgtree import subtree_ids_query

# The windows a period of alias `p` counts in: itself, its year, a month's quarter.
WINDOWS_SQL = (
    "unnest(ARRAY[p.period, "
    "CASE WHEN length(p.period) > 4 THEN left(p.period, 4) END, "
    "CASE WHEN p.period ~ '^[0-9]{4}-[0-9]{2}$' "
    "THEN left(p.period, 5) || 'Q' || ((substr(p.period, 6, 2)::int + 2) / 3) END"
    "]) AS w(period)"
)

# (kpi, organization, window) of the verified values and of the targets, each rolled over
# the window's periods; `last` is the latest period's figure (the amber threshold's: the
# latest that is set), as the scorecard read them from the values before.
_FIGURES_SQL = f"""
SELECT coalesce(v.kpi_id, t.kpi_id), coalesce(v.period, t.period),
       coalesce(v.organization_id, t.organization_id),
       v.total, v.mean, v.latest,
       t.total, t.mean, t.latest, t.amber_total, t.amber_mean, t.amber_latest
FROM (
    SELECT p.kpi_id, p.organization_id, w.period,
           sum(p.value) AS total, avg(p.value) AS mean,
           (array_agg(p.value ORDER BY p.period DESC))[1] AS latest
    FROM campaign_kpi_value AS p, {WINDOWS_SQL}
    WHERE p.kpi_id = ANY(:kpi_ids) AND p.status = 'verified' AND w.period IS NOT NULL
      AND (CAST(:organization_ids AS uuid[]) IS NULL
           OR p.organization_id = ANY(CAST(:organization_ids AS uuid[])))
    GROUP BY p.kpi_id, p.organization_id, w.period
) AS v
FULL JOIN (
    SELECT p.kpi_id, p.organization_id, w.period,
           sum(p.target) AS total, avg(p.target) AS mean,
           (array_agg(p.target ORDER BY p.period DESC))[1] AS latest,
           sum(p.amber_at) AS amber_total, avg(p.amber_at) AS amber_mean,
           (array_agg(p.amber_at ORDER BY p.period DESC)
               FILTER (WHERE p.amber_at IS NOT NULL))[1] AS amber_latest
    FROM campaign_kpi_target AS p, {WINDOWS_SQL}
    WHERE p.kpi_id = ANY(:kpi_ids) AND w.period IS NOT NULL
      AND (CAST(:organization_ids AS uuid[]) IS NULL
           OR p.organization_id = ANY(CAST(:organization_ids AS uuid[])))
    GROUP BY p.kpi_id, p.organization_id, w.period
) AS t ON t.kpi_id = v.kpi_id AND t.organization_id = v.organization_id
      AND t.period = v.period
"""  # noqa: S608 (constants only; every value is a bound parameter)

_COLUMNS = (
    "kpi_id, period, organization_id, value_sum, value_avg, value_last, "
    "target_sum, target_avg, target_last, amber_sum, amber_avg, amber_last"
)

_IDS = ARRAY(UUID(as_uuid=True))
_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('campaign_kpi_rollup:' || k::text, 0)) "
    "FROM (SELECT k FROM unnest(CAST(:kpi_ids AS uuid[])) AS k ORDER BY k) AS ordered"
).bindparams(bindparam("kpi_ids", type_=_IDS))
_DELETE = text(
    "DELETE FROM campaign_kpi_rollup WHERE kpi_id = ANY(:kpi_ids) "
    "AND (CAST(:organization_ids AS uuid[]) IS NULL "
    "OR organization_id = ANY(CAST(:organization_ids AS uuid[])))"
).bindparams(bindparam("kpi_ids", type_=_IDS), bindparam("organization_ids", type_=_IDS))
_INSERT = text(f"INSERT INTO campaign_kpi_rollup ({_COLUMNS}) {_FIGURES_SQL}").bindparams(
    bindparam("kpi_ids", type_=_IDS), bindparam("organization_ids", type_=_IDS)
)


async def refresh(
    session: AsyncSession | AsyncConnection,
    kpi_ids: Sequence[uuid.UUID],
    organization_ids: Sequence[uuid.UUID] | None = None,
) -> None:
    """Rewrites the roll-up rows of `kpi_ids` (of `organization_ids` only, when given)
    from the values and targets as this transaction sees them. Refreshes of one KPI are
    serialized (a transaction advisory lock, taken in KPI order), so two decisions
    committing side by side never leave a row computed without the other's value."""
    if not kpi_ids:
        return
    ids = sorted(set(kpi_ids))
    orgs = sorted(set(organization_ids)) if organization_ids is not None else None
    await session.execute(_LOCK, {"kpi_ids": ids})
    await session.execute(_DELETE, {"kpi_ids": ids, "organization_ids": orgs})
    await session.execute(_INSERT, {"kpi_ids": ids, "organization_ids": orgs})


@dataclass(frozen=True)
class Rolled:
    """One KPI's figures over a subtree and window, for each aggregation rule (see
    `domain.kpis`): per organization over the periods first, then over the organizations."""

    sum: Decimal | None
    avg: Decimal | None
    last: Decimal | None
    organizations: int

    def by(self, aggregation: str) -> Decimal | None:
        return {"sum": self.sum, "avg": self.avg, "last": self.last}[aggregation]


@dataclass(frozen=True)
class ScorecardFigures:
    """A KPI's line of a scorecard before colouring: the verified actual over the subtree,
    and the target and amber threshold (the root's own when it has targets for the KPI in
    the window, else its subtree's, amber thresholds only where set)."""

    values: Rolled
    target: Rolled
    amber: Rolled


async def scorecard_figures(
    session: AsyncSession, kpi_ids: Sequence[uuid.UUID], root_id: uuid.UUID, window: str
) -> dict[uuid.UUID, ScorecardFigures]:
    """One statement: the subtree's roll-up rows of the window, added up per KPI."""
    if not kpi_ids:
        return {}
    r = KpiRollup
    own = r.organization_id == root_id

    def rolled(total: Any, mean: Any, latest: Any, *where: Any) -> list[Any]:
        def agg(expression: Any) -> Any:
            return expression.filter(*where) if where else expression

        return [
            agg(func.sum(total)),
            agg(func.avg(mean)),
            agg(func.sum(latest)),
            agg(func.count(mean)),
        ]

    stmt = (
        select(
            r.kpi_id,
            func.bool_or(own & r.target_avg.is_not(None)),
            *rolled(r.value_sum, r.value_avg, r.value_last),
            *rolled(r.target_sum, r.target_avg, r.target_last, own),
            *rolled(r.amber_sum, r.amber_avg, r.amber_last, own),
            *rolled(r.target_sum, r.target_avg, r.target_last),
            *rolled(r.amber_sum, r.amber_avg, r.amber_last),
        )
        .where(
            r.kpi_id.in_(kpi_ids),
            r.period == window,
            # the subtree's ids as one array: the rows are found by (KPI, window) and
            # their organizations looked up in it
            r.organization_id == any_(func.array(subtree_ids_query(root_id).scalar_subquery())),
        )
        .group_by(r.kpi_id)
    )
    found: dict[uuid.UUID, ScorecardFigures] = {}
    for row in await session.execute(stmt):
        values = Rolled(row[2], row[3], row[4], int(row[5]))
        targets = row[6:14] if row[1] else row[14:22]
        found[row[0]] = ScorecardFigures(
            values,
            Rolled(targets[0], targets[1], targets[2], int(targets[3])),
            Rolled(targets[4], targets[5], targets[6], int(targets[7])),
        )
    return found
