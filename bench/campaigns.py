"""The campaigns scenario: a ministry's scorecard over 500 organizations and 5,000 verified
KPI values (GET /v1/scorecards through the gateway; p95 ≤ 50 ms).

Seeded on its own (a ministry `BENCH-KPI` with 20 regions of about 24 municipalities each,
ten monthly KPIs of the ministry with targets for every region and month, and one
verified value per KPI and organization spread over the year), so it runs without the
million inquiries: `python -m bench --only "campaigns scorecard"`. The rows are written
past the use cases, so the seed then rewrites the KPIs' scorecard roll-up
(`campaign_kpi_rollup`) as the demo does for its history.
"""

from __future__ import annotations

import random
import uuid
from typing import Any
from urllib.parse import urlencode

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench.harness import Stack
from bench.scenarios import Goal, Scenario, Target, bare_select_one, mint_token, one_at_a_time
from services.campaigns.service.kpis import refresh_rollups
from services.common.embedded import to_async_url
from services.common.orgtree import path_of

ORGANIZATIONS = 500
REGIONS = 20
KPIS = 10
YEAR = 2027
P95_MS = 50.0
NAMESPACE = uuid.UUID("6b1f0c52-9d4e-4a7b-8c3d-2e5f6a7b8c90")


def org_id(index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"org-{index}")


def kpi_id(index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"kpi-{index}")


async def prepare(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.database_url)
    try:
        seeded = await conn.fetchval(
            "SELECT count(*) FROM campaign_kpi_value WHERE kpi_id = ANY($1::uuid[])",
            [kpi_id(k) for k in range(KPIS)],
        )
        if seeded >= ORGANIZATIONS * KPIS:
            print("  the scorecard's 5,000 KPI values are already seeded")
            return
        await _seed(conn)
    finally:
        await conn.close()
    await _roll_up(stack)


async def _roll_up(stack: Stack) -> None:
    """The scorecard's roll-up of the values and targets written above, past the use
    cases (as the demo's history is)."""
    engine = create_async_engine(to_async_url(stack.database_url))
    try:
        async with AsyncSession(engine) as session, session.begin():
            await refresh_rollups(session, [kpi_id(k) for k in range(KPIS)])
    finally:
        await engine.dispose()


async def _seed(conn: asyncpg.Connection) -> None:
    rng = random.Random(YEAR)
    paths: dict[int, list[uuid.UUID]] = {0: [org_id(0)]}
    rows: list[tuple[Any, ...]] = [
        (org_id(0), None, path_of(paths[0]), "ministry", "BENCH-KPI", "وزارة القياس")
    ]
    for index in range(1, ORGANIZATIONS):
        if index <= REGIONS:
            parent, kind = 0, "region"
        else:
            parent, kind = 1 + (index % REGIONS), "municipality"
        paths[index] = [*paths[parent], org_id(index)]
        rows.append(
            (
                org_id(index),
                org_id(parent),
                path_of(paths[index]),
                kind,
                f"BENCH-KPI-{index}",
                f"جهة القياس {index}",
            )
        )
    await conn.executemany(
        "INSERT INTO directory_organization (id, parent_id, path, kind, code, name_ar) "
        "VALUES ($1, $2, $3::ltree, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        rows,
    )
    aggregations = ("sum", "avg", "last")
    await conn.executemany(
        "INSERT INTO campaign_kpi (id, code, name_ar, organization_id, unit, direction, "
        "frequency, aggregation) VALUES ($1, $2, $3, $4, 'count', $5, 'monthly', $6) "
        "ON CONFLICT (id) DO NOTHING",
        [
            (
                kpi_id(k),
                f"BENCH-KPI-{k}",
                f"مؤشر القياس {k}",
                org_id(0),
                "up" if k % 3 else "down",
                aggregations[k % 3],
            )
            for k in range(KPIS)
        ],
    )
    months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    await conn.executemany(
        "INSERT INTO campaign_kpi_target (id, kpi_id, organization_id, period, target, "
        "amber_at) VALUES ($1, $2, $3, $4, 100, 80) ON CONFLICT DO NOTHING",
        [
            (uuid.uuid4(), kpi_id(k), org_id(r), month)
            for k in range(KPIS)
            for r in range(1, REGIONS + 1)
            for month in months
        ],
    )
    await conn.executemany(
        "INSERT INTO campaign_kpi_value (id, kpi_id, organization_id, period, value, "
        "status, submitted_by, decided_by) VALUES ($1, $2, $3, $4, $5, 'verified', "
        "'bench', 'bench-verifier') ON CONFLICT DO NOTHING",
        [
            (
                uuid.uuid4(),
                kpi_id(k),
                org_id(o),
                rng.choice(months),
                round(rng.uniform(50, 150), 2),
            )
            for k in range(KPIS)
            for o in range(ORGANIZATIONS)
        ],
    )


def targets(stack: Stack) -> list[Target]:
    token = mint_token(stack, org_id(0), ["org_admin"])
    query = urlencode({"organization_id": str(org_id(0)), "period": str(YEAR)})
    scorecard = Target(
        "ministry scorecard, gateway",
        f"{stack.url('gateway')}/v1/scorecards?{query}",
        token,
        goal=Goal(p95_ms=P95_MS),
        connections=4,
        duration=5,
    )
    return [
        bare_select_one(stack, connections=4, duration=5),
        scorecard,
        one_at_a_time(scorecard),
    ]


SCENARIOS = [Scenario("campaigns scorecard", prepare, targets, baseline=False)]
