"""SQL of the KPI roll-up (`campaign_kpi_rollup`): each organization's own figures of a
KPI per window, rewritten by the write path, added up over a subtree by the scorecard in
one statement (with the scorecard's KPIs).

A window is a month, a quarter or a year; a period counts in itself, in its quarter (a
month) and in its year (a month or a quarter), which are exactly the windows that contain
it (`domain.periods.contains`). So a scorecard for any window reads one row per KPI and
organization of the subtree, whatever the number of periods inside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Integer, Numeric, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.common.auth import Principal

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
# latest that is set), as the scorecard read them from the values before. `{scope}`: every
# organization, or those of :organization_ids (a condition the indexes can use).
_FIGURES_SQL = """
SELECT coalesce(v.kpi_id, t.kpi_id), coalesce(v.period, t.period),
       coalesce(v.organization_id, t.organization_id),
       v.total, v.mean, v.latest,
       t.total, t.mean, t.latest, t.amber_total, t.amber_mean, t.amber_latest
FROM (
    SELECT p.kpi_id, p.organization_id, w.period,
           sum(p.value) AS total, avg(p.value) AS mean,
           (array_agg(p.value ORDER BY p.period DESC))[1] AS latest
    FROM campaign_kpi_value AS p, {windows}
    WHERE p.kpi_id = ANY(:kpi_ids) {scope} AND p.status = 'verified' AND w.period IS NOT NULL
    GROUP BY p.kpi_id, p.organization_id, w.period
) AS v
FULL JOIN (
    SELECT p.kpi_id, p.organization_id, w.period,
           sum(p.target) AS total, avg(p.target) AS mean,
           (array_agg(p.target ORDER BY p.period DESC))[1] AS latest,
           sum(p.amber_at) AS amber_total, avg(p.amber_at) AS amber_mean,
           (array_agg(p.amber_at ORDER BY p.period DESC)
               FILTER (WHERE p.amber_at IS NOT NULL))[1] AS amber_latest
    FROM campaign_kpi_target AS p, {windows}
    WHERE p.kpi_id = ANY(:kpi_ids) {scope} AND w.period IS NOT NULL
    GROUP BY p.kpi_id, p.organization_id, w.period
) AS t ON t.kpi_id = v.kpi_id AND t.organization_id = v.organization_id
      AND t.period = v.period
"""

_COLUMNS = (
    "kpi_id, period, organization_id, value_sum, value_avg, value_last, "
    "target_sum, target_avg, target_last, amber_sum, amber_avg, amber_last"
)

_IDS = ARRAY(UUID(as_uuid=True))
_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('campaign_kpi_rollup:' || k::text, 0)) "
    "FROM (SELECT k FROM unnest(CAST(:kpi_ids AS uuid[])) AS k ORDER BY k) AS ordered"
).bindparams(bindparam("kpi_ids", type_=_IDS))
_SCOPED = "AND {0}organization_id = ANY(:organization_ids)"


def _rewrite(scope: str) -> tuple[Any, Any]:
    """(DELETE, INSERT) of the roll-up rows of :kpi_ids, within `scope`."""
    where = f"kpi_id = ANY(:kpi_ids) {scope.format('')}"
    delete = text(f"DELETE FROM campaign_kpi_rollup WHERE {where}")  # noqa: S608 (constants)
    figures = _FIGURES_SQL.format(windows=WINDOWS_SQL, scope=scope.format("p."))
    insert = text(f"INSERT INTO campaign_kpi_rollup ({_COLUMNS}) {figures}")
    binds = [bindparam("kpi_ids", type_=_IDS)]
    if scope:
        binds.append(bindparam("organization_ids", type_=_IDS))
    return delete.bindparams(*binds), insert.bindparams(*binds)


_REWRITE_ALL = _rewrite("")
_REWRITE_SOME = _rewrite(_SCOPED)


async def refresh(
    session: AsyncSession | AsyncConnection,
    kpi_ids: Collection[uuid.UUID],
    organization_ids: Collection[uuid.UUID] | None = None,
) -> None:
    """Rewrites the roll-up rows of `kpi_ids` (of `organization_ids` only, when given)
    from the values and targets as this transaction sees them. Refreshes of one KPI are
    serialized (a transaction advisory lock, taken in KPI order), so two decisions
    committing side by side never leave a row computed without the other's value."""
    if not kpi_ids:
        return
    ids = sorted(set(kpi_ids))
    await session.execute(_LOCK, {"kpi_ids": ids})
    params: dict[str, Any] = {"kpi_ids": ids}
    statements = _REWRITE_ALL
    if organization_ids is not None:
        params["organization_ids"] = sorted(set(organization_ids))
        statements = _REWRITE_SOME
    for statement in statements:
        await session.execute(statement, params)


# A scorecard in one statement: the KPIs that apply to the root (owned by it, above it or
# below it), each with its line's figures added up from the roll-up rows of the subtree
# (as the tree is now) and the window — per KPI, one range of the primary key, every rule's
# figure at once: `sum` adds the organizations' sums, `last` their latest figures, `avg`
# averages their averages. The target and amber threshold are the root's own when it has
# targets in the window, else the subtree's; the KPI's rule picks the figures.
_OWN = "FILTER (WHERE r.organization_id = :root_id)"


def _rule(prefix: str) -> str:
    return (
        f"CASE k.aggregation WHEN 'sum' THEN f.{prefix}_sum WHEN 'avg' THEN f.{prefix}_avg "
        f"ELSE f.{prefix}_last END"
    )


def _sums(column: str, prefix: str, where: str = "") -> str:
    return (
        f"sum(r.{column}_sum) {where} AS {prefix}_sum, avg(r.{column}_avg) {where} AS "
        f"{prefix}_avg, sum(r.{column}_last) {where} AS {prefix}_last"
    )


_SCORECARD = (
    text(
        f"""
WITH root AS MATERIALIZED (
    -- the organization, when the caller sees it (orgtree's rule: a sector_admin sees every
    -- organization, anyone else their own organization's subtree)
    SELECT o.path FROM directory_organization AS o
    WHERE o.id = :root_id
      AND (:sees_all OR o.path <@ (
          SELECT v.path FROM directory_organization AS v WHERE v.id = :viewer_id))
), kpis AS MATERIALIZED (
    SELECT k.id, k.code, k.name_ar, k.name_en, k.unit, k.direction, k.frequency,
           k.aggregation, k.source
    FROM campaign_kpi AS k
    WHERE k.organization_id IN (
              SELECT d.id FROM directory_organization AS d, root WHERE d.path <@ root.path)
       OR k.organization_id IN (
              SELECT a.id FROM directory_organization AS a, root WHERE a.path @> root.path)
), subtree AS MATERIALIZED (
    SELECT ARRAY(
        SELECT d.id FROM directory_organization AS d, root WHERE d.path <@ root.path
    ) AS ids
)
SELECT k.id, k.code, k.name_ar, k.name_en, k.unit, k.direction, k.frequency, k.aggregation,
       k.source, {_rule("value")} AS value, coalesce(f.reported, 0) AS organizations,
       CASE WHEN f.has_own THEN {_rule("own_target")} ELSE {_rule("target")} END AS target,
       CASE WHEN f.has_own THEN {_rule("own_amber")} ELSE {_rule("amber")} END AS amber_at
FROM root
LEFT JOIN kpis AS k ON true
LEFT JOIN LATERAL (
    SELECT bool_or(r.organization_id = :root_id AND r.target_avg IS NOT NULL) AS has_own,
           count(r.value_avg) AS reported,
           {_sums("value", "value")},
           {_sums("target", "own_target", _OWN)}, {_sums("amber", "own_amber", _OWN)},
           {_sums("target", "target")}, {_sums("amber", "amber")}
    FROM campaign_kpi_rollup AS r, subtree
    WHERE r.kpi_id = k.id AND r.period = :window AND r.organization_id = ANY(subtree.ids)
) AS f ON true
ORDER BY k.code, k.id
"""  # noqa: S608 (constants only; every value is a bound parameter)
    )
    .bindparams(
        bindparam("sees_all", type_=Boolean),
        bindparam("viewer_id", type_=UUID(as_uuid=True)),
    )
    .columns(
        id=UUID(as_uuid=True),
        code=String,
        name_ar=String,
        name_en=String,
        unit=String,
        direction=String,
        frequency=String,
        aggregation=String,
        source=String,
        value=Numeric,
        organizations=Integer,
        target=Numeric,
        amber_at=Numeric,
    )
)


@dataclass(frozen=True)
class ScorecardRow:
    """A KPI that applies to the scorecard's organization, with its line's figures before
    rounding and colouring: the verified actual over the subtree and window (None without
    a value; a built-in KPI's comes from the inquiry facts instead), how many organizations
    reported one, the target and amber threshold."""

    kpi_id: uuid.UUID
    code: str
    name_ar: str
    name_en: str | None
    unit: str
    direction: str
    frequency: str
    aggregation: str
    source: str | None
    value: Decimal | None
    organizations: int
    target: Decimal | None
    amber_at: Decimal | None


async def scorecard(
    session: AsyncSession, principal: Principal, root_id: uuid.UUID, window: str
) -> list[ScorecardRow] | None:
    """The KPIs that apply to `root_id` or anywhere below it (owned by it, by an
    organization above it or by one below it), by code, with their figures over the
    subtree and the window; None when the principal does not see `root_id` (or it does
    not exist). A caller who sees the root sees each of these KPIs. One round trip."""
    rows = await session.execute(
        _SCORECARD,
        {
            "root_id": root_id,
            "window": window,
            "sees_all": principal.is_sector_admin,
            "viewer_id": principal.organization_id,
        },
    )
    found = list(rows)
    if not found:
        return None
    # the organization's row alone (kpi id null: no KPI applies) is an empty scorecard
    return [ScorecardRow(*row) for row in found if row[0] is not None]
