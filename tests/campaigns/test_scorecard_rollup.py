"""The scorecard's roll-up table (`campaign_kpi_rollup`, migration 0022): kept right by the
write path — a value verified or rejected, targets set and changed, an organization moved
under another parent — and equal to the figures recomputed from the values and targets
themselves by the domain's rules (`domain.kpis.rollup`), on a small tree and on the demo."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

import asyncpg
from sqlalchemy import text

from services.campaigns.demo.loader import load_demo
from services.campaigns.domain import kpis as rules
from services.campaigns.domain.periods import contains, periods_in
from services.campaigns.repository.rollups import WINDOWS_SQL
from services.campaigns.service import kpis as service
from services.common.auth import Principal
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.directory.app import create_app as create_directory_app
from services.directory.bootstrap import run_bootstrap
from tests.campaigns.conftest import problem
from tests.campaigns.test_kpis import create_kpi, submit, verify
from tests.database import fetch

ADMIN = Principal(
    subject="sector-admin", kind="user", organization_id=None, roles=frozenset({"sector_admin"})
)


def text_of(figure: Decimal | None) -> str | None:
    rounded = rules.rounded(figure)
    return None if rounded is None else str(rounded)


async def expected_card(settings, root: uuid.UUID, window: str) -> dict[uuid.UUID, dict]:
    """The scorecard's typed figures recomputed from the verified values and the targets of
    the subtree (as the tree is now) with the domain's rules, KPI by KPI."""
    subtree = {
        r["id"]
        for r in await fetch(
            settings,
            "SELECT id FROM directory_organization WHERE path <@ "
            "(SELECT path FROM directory_organization WHERE id = $1)",
            root,
        )
    }
    kpis = await fetch(settings, "SELECT id, direction, aggregation, source FROM campaign_kpi")
    values = await fetch(
        settings,
        "SELECT kpi_id, organization_id, period, value FROM campaign_kpi_value "
        "WHERE status = 'verified'",
    )
    targets = await fetch(
        settings,
        "SELECT kpi_id, organization_id, period, target, amber_at FROM campaign_kpi_target",
    )

    def inside(rows: Iterable[asyncpg.Record], kpi_id: uuid.UUID) -> list[asyncpg.Record]:
        return [
            r
            for r in rows
            if r["kpi_id"] == kpi_id
            and r["organization_id"] in subtree
            and contains(window, r["period"])
        ]

    card = {}
    for kpi in kpis:
        rule = kpi["aggregation"]
        mine = inside(values, kpi["id"])
        value = rules.rounded(
            rules.rollup(rule, [(r["organization_id"], r["period"], r["value"]) for r in mine])
        )
        rows = inside(targets, kpi["id"])
        chosen = [r for r in rows if r["organization_id"] == root] or rows
        target = rules.rollup(
            rule, [(r["organization_id"], r["period"], r["target"]) for r in chosen]
        )
        amber = rules.rollup(
            rule,
            [
                (r["organization_id"], r["period"], r["amber_at"])
                for r in chosen
                if r["amber_at"] is not None
            ],
        )
        card[kpi["id"]] = {
            "value": None if kpi["source"] else text_of(value),
            "target": text_of(target),
            "amber_at": text_of(amber),
            "status": None
            if kpi["source"]
            else rules.status(kpi["direction"], value, target, amber),
            "organizations": None if kpi["source"] else len({r["organization_id"] for r in mine}),
        }
    return card


def compare(lines: list[dict], expected: dict[uuid.UUID, dict]) -> None:
    """A scorecard's lines against `expected_card` (a built-in KPI's value, status and
    organizations come from the inquiry facts, not from the roll-up: left out)."""
    assert lines
    for line in lines:
        wanted = expected[uuid.UUID(line["kpi_id"])]
        got = {name: line[name] for name in wanted}
        if wanted["value"] is None and wanted["organizations"] is None:  # built-in
            got |= {"value": None, "status": None, "organizations": None}
        assert got == wanted, line


async def rows_of(settings) -> list[tuple]:
    return [
        tuple(r)
        for r in await fetch(
            settings,
            "SELECT * FROM campaign_kpi_rollup ORDER BY kpi_id, period, organization_id",
        )
    ]


async def rebuilt(settings) -> list[tuple]:
    """The roll-up rewritten from scratch, for every KPI (then rolled back)."""
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session:
            ids = [r[0] for r in await session.execute(text("SELECT id FROM campaign_kpi"))]
            await service.refresh_rollups(session, ids)
            found = await session.execute(
                text("SELECT * FROM campaign_kpi_rollup ORDER BY kpi_id, period, organization_id")
            )
            rows = [tuple(r) for r in found]
            await session.rollback()
            return rows
    finally:
        await engine.dispose()


async def test_a_period_counts_in_the_windows_that_contain_it(settings):
    periods = [
        *periods_in("2027", "monthly"),
        *periods_in("2027", "quarterly"),
        "2027",
        "2026-12",
        "2026-Q4",
        "2026",
    ]
    rows = await fetch(
        settings,
        f"SELECT p.period, array_agg(w.period) AS windows FROM unnest($1::text[]) AS p(period), "
        f"{WINDOWS_SQL} WHERE w.period IS NOT NULL GROUP BY p.period",
        periods,
    )
    found = {r["period"]: sorted(r["windows"]) for r in rows}
    assert found == {p: sorted(w for w in periods if contains(w, p)) for p in periods}
    assert found["2027-05"] == ["2027", "2027-05", "2027-Q2"]


async def test_the_rollup_follows_values_targets_and_moves(client, hub, make_client, settings):
    directory = await make_client(create_directory_app)
    headers = hub.auth("org_admin@M")
    # no KPI yet: an empty scorecard; an organization the caller does not see: 404
    empty = await client.get(
        "/v1/scorecards",
        params={"organization_id": str(hub.orgs["A"]), "period": "2027"},
        headers=headers,
    )
    assert empty.status_code == 200, empty.text
    assert empty.json()["items"] == []
    assert empty.json()["counts"] == {"green": 0, "amber": 0, "red": 0, "no_data": 0}
    for who, org in (("org_admin@A", hub.orgs["R"]), ("admin", uuid.uuid4())):
        problem(
            await client.get(
                "/v1/scorecards",
                params={"organization_id": str(org), "period": "2027"},
                headers=hub.auth(who),
            ),
            404,
            field="organization_id",
        )
    kpis = [
        await create_kpi(client, hub, "M", code=code, aggregation=rule, direction=direction)
        for code, rule, direction in (("S", "sum", "up"), ("V", "avg", "down"), ("L", "last", "up"))
    ]
    figures = {"R": 10, "A": 20, "U": 5, "B": 40}
    pending = []
    for kpi in kpis:
        for org, base in figures.items():
            for month, step in (("2027-01", 0), ("2027-02", 3), ("2027-04", 7)):
                value = await submit(
                    client,
                    hub,
                    kpi,
                    org,
                    month,
                    (Decimal(base + step) / 3).quantize(Decimal("0.0001")),
                )
                if org == "B" and month == "2027-04":
                    pending.append(value)  # left submitted: never counted
                else:
                    await verify(client, hub, value)

    async def check(*roots: str) -> None:
        for root in roots:
            for window in ("2027", "2027-Q1", "2027-Q2", "2027-02"):
                response = await client.get(
                    "/v1/scorecards",
                    params={"organization_id": str(hub.orgs[root]), "period": window},
                    headers=headers,
                )
                assert response.status_code == 200, response.text
                compare(
                    response.json()["items"], await expected_card(settings, hub.orgs[root], window)
                )
        # what the write path kept equals the roll-up rewritten from scratch
        assert await rows_of(settings) == await rebuilt(settings)

    await check("M", "R", "A", "U")

    async def set_targets(kpi: dict, items: list[tuple[str, str, str, str | None]]) -> None:
        body = {
            "items": [
                {"organization_id": str(hub.orgs[o]), "period": p, "target": t, "amber_at": a}
                for o, p, t, a in items
            ]
        }
        response = await client.put(f"/v1/kpis/{kpi['id']}/targets", json=body, headers=headers)
        assert response.status_code == 200, response.text

    for kpi in kpis:
        down = kpi["direction"] == "down"
        await set_targets(
            kpi,
            [
                ("R", "2027-01", "9", "12" if down else "6"),
                ("R", "2027-02", "10", None),
                ("A", "2027-01", "8", "9" if down else "7"),
                ("S", "2027-04", "30", "35" if down else "25"),
            ],
        )
    await check("M", "R", "A")

    # a pending value verified, another rejected
    await verify(client, hub, pending[0])
    rejected = await client.post(
        f"/v1/kpi-values/{pending[1]['id']}/reject", headers=hub.auth("admin")
    )
    assert rejected.status_code == 200, rejected.text
    # targets changed: R's own go, the subtree's count again
    await set_targets(kpis[0], [("A", "2027-01", "4", "3"), ("B", "2027-02", "5", None)])
    await check("M", "R", "B")

    # A (with its unit U) moves from R to the sibling region S: its figures go along
    moved = await directory.patch(
        f"/v1/organizations/{hub.orgs['A']}",
        json={"parent_id": str(hub.orgs["S"])},
        headers=hub.auth("admin"),
    )
    assert moved.status_code == 200, moved.text
    after = {
        line["code"]: line["organizations"]
        for line in (
            await client.get(
                "/v1/scorecards",
                params={"organization_id": str(hub.orgs["S"]), "period": "2027"},
                headers=headers,
            )
        ).json()["items"]
    }
    assert after == {"S": 2, "V": 2, "L": 2}  # A and U now report under S
    await check("M", "R", "S", "A")


async def test_demo_scorecards_equal_the_figures_recomputed_from_the_values(
    database_url, settings, tmp_path
):
    demo_settings = settings.model_copy(update={"data_dir": tmp_path})
    await run_bootstrap(database_url, demo_settings, demo=True)
    engine = build_engine(database_url, demo_settings)
    try:
        sessions = build_sessionmaker(engine)
        async with session_scope(sessions) as session:
            await load_demo(session, demo_settings)
        periods = sorted(
            {r["period"] for r in await fetch(settings, "SELECT period FROM campaign_kpi_value")}
        )
        windows = [*sorted({p[:4] for p in periods}), periods[-3], periods[-1]]
        windows += sorted({f"{p[:4]}-Q{(int(p[5:7]) + 2) // 3}" for p in periods})[-2:]
        roots = [
            r["id"]
            for r in await fetch(
                settings,
                "SELECT DISTINCT o.id FROM directory_organization o JOIN directory_organization "
                "x ON x.path <@ o.path JOIN campaign_kpi_value v ON v.organization_id = x.id",
            )
        ]
        assert len(roots) > 5
        compared = 0
        async with sessions() as session:
            for root in roots:
                for window in windows:
                    card = await service.scorecard(session, ADMIN, root, window)
                    lines = [line.model_dump(mode="json") for line in card.items]
                    compare(lines, await expected_card(settings, root, window))
                    compared += sum(1 for line in lines if line["value"] is not None)
        assert compared > 50
        assert await rows_of(settings) == await rebuilt(settings)
    finally:
        await engine.dispose()
