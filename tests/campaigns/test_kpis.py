"""KPIs through the API: targets, values, the verification matrix, series, scorecards."""

from __future__ import annotations

from typing import Any

from tests.campaigns.conftest import problem


async def create_kpi(client, hub, org="M", who=None, **fields: Any) -> dict[str, Any]:
    body = {
        "code": fields.pop("code", "K-1"),
        "name_ar": "نسبة المعاملات المنجزة إلكترونياً",
        "organization_id": str(hub.orgs[org]),
        "unit": "percent",
        "direction": "up",
        "frequency": "monthly",
        "aggregation": "sum",
    }
    body.update(fields)
    response = await client.post("/v1/kpis", json=body, headers=hub.auth(who or f"org_admin@{org}"))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def submit(client, hub, kpi, org, period, value, who=None) -> dict[str, Any]:
    response = await client.post(
        f"/v1/kpis/{kpi['id']}/values",
        json={"organization_id": str(hub.orgs[org]), "period": period, "value": str(value)},
        headers=hub.auth(who or f"coordinator@{org}"),
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def verify(client, hub, value, who="admin"):
    response = await client.post(f"/v1/kpi-values/{value['id']}/verify", headers=hub.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


async def test_verification_matrix_through_the_api(client, hub):
    kpi = await create_kpi(client, hub)
    cases = [
        # (decider, expected status, expected code)
        ("unit_head@A", 403, "self_decision"),  # the submitter, a unit head of A
        ("coordinator@A", 403, "not_above"),
        ("org_admin@B", 404, None),  # sibling: does not even see it
        ("org_admin@S", 404, None),
        ("org_admin@U", 404, None),  # child
        ("client@A:campaigns:write", 403, None),
    ]
    value = await submit(client, hub, kpi, "A", "2027-01", 10, who="unit_head@A")
    for who, status, code in cases:
        problem(
            await client.post(f"/v1/kpi-values/{value['id']}/verify", headers=hub.auth(who)),
            status,
            code,
        )
    unchanged = await client.get(f"/v1/kpi-values/{value['id']}", headers=hub.auth("admin"))
    assert unchanged.json()["status"] == "submitted"
    deciders = ("unit_head@A#2", "org_admin@A", "org_admin@R", "unit_head@M", "admin")
    for month, who in enumerate(deciders, start=2):
        fresh = await submit(client, hub, kpi, "A", f"2027-0{month}", 1)
        decided = await client.post(
            f"/v1/kpi-values/{fresh['id']}/verify",
            json={"comment": "مطابق"},
            headers=hub.auth(who),
        )
        assert decided.status_code == 200, (who, decided.text)
        assert decided.json()["status"] == "verified"
        # decided once: the next verify is refused, the value is out of the live set
        problem(
            await client.post(f"/v1/kpi-values/{fresh['id']}/verify", headers=hub.auth("admin")),
            409,
            "invalid_state",
        )
    rejected = await client.post(
        f"/v1/kpi-values/{value['id']}/reject", headers=hub.auth("org_admin@R")
    )
    assert rejected.json()["status"] == "rejected"
    # a rejected value may be submitted again
    await submit(client, hub, kpi, "A", "2027-01", 12)


async def test_values_follow_the_kpi_frequency_and_scope(client, hub):
    kpi = await create_kpi(client, hub, "R", frequency="quarterly")
    url = f"/v1/kpis/{kpi['id']}/values"
    headers = hub.auth("coordinator@A")
    for period in ("2027-01", "2027", "2027-Q5", "Q1-2027"):
        problem(
            await client.post(
                url,
                json={"organization_id": str(hub.orgs["A"]), "period": period, "value": "1"},
                headers=headers,
            ),
            422,
            field="period",
        )
    # the KPI of R does not apply to S
    problem(
        await client.post(
            url,
            json={"organization_id": str(hub.orgs["S"]), "period": "2027-Q1", "value": "1"},
            headers=hub.auth("admin"),
        ),
        422,
        field="organization_id",
    )
    problem(
        await client.post(
            url,
            json={"organization_id": str(hub.orgs["A"]), "period": "2027-Q1", "value": "x\x00"},
            headers=headers,
        ),
        422,
    )
    await submit(client, hub, kpi, "A", "2027-Q1", 5)
    problem(
        await client.post(
            url,
            json={"organization_id": str(hub.orgs["A"]), "period": "2027-Q1", "value": "6"},
            headers=headers,
        ),
        409,
        "value_exists",
    )
    listed = await client.get(
        "/v1/kpi-values", params={"status": "submitted"}, headers=hub.auth("org_admin@R")
    )
    assert len(listed.json()["items"]) == 1
    assert (await client.get("/v1/kpi-values", headers=hub.auth("org_admin@B"))).json()[
        "items"
    ] == []


async def test_series_rollup_and_scorecard_colours(client, hub):
    up = await create_kpi(client, hub, "M", code="UP", aggregation="sum")
    down = await create_kpi(
        client, hub, "M", code="DOWN", direction="down", aggregation="avg", unit="hours"
    )
    stock = await create_kpi(client, hub, "M", code="STOCK", aggregation="last", unit="count")
    figures = {  # organization → (up, down, stock) for January and February
        "R": ((20, 30, 5), (10, 20, 6)),
        "A": ((30, 10, 7), (50, 30, 9)),
        "B": ((60, 20, 1), (40, 40, 2)),
    }
    for org, months in figures.items():
        for month, (u, d, s) in zip(("2027-01", "2027-02"), months, strict=True):
            for kpi, figure in ((up, u), (down, d), (stock, s)):
                await verify(client, hub, await submit(client, hub, kpi, org, month, figure))
    # a submitted (unverified) value never counts
    await submit(client, hub, up, "U", "2027-01", 1000)
    headers = hub.auth("org_admin@M")
    targets = await client.put(
        f"/v1/kpis/{up['id']}/targets",
        json={
            "items": [
                {
                    "organization_id": str(hub.orgs["R"]),
                    "period": m,
                    "target": "100",
                    "amber_at": "80",
                    "baseline": "50",
                }
                for m in ("2027-01", "2027-02")
            ]
        },
        headers=headers,
    )
    assert targets.status_code == 200, targets.text
    problem(
        await client.put(
            f"/v1/kpis/{down['id']}/targets",
            json={
                "items": [
                    {
                        "organization_id": str(hub.orgs["R"]),
                        "period": "2027-01",
                        "target": "20",
                        "amber_at": "10",
                    }
                ]
            },
            headers=headers,
        ),
        422,
    )
    await client.put(
        f"/v1/kpis/{down['id']}/targets",
        json={
            "items": [
                {
                    "organization_id": str(hub.orgs["R"]),
                    "period": m,
                    "target": "20",
                    "amber_at": "30",
                }
                for m in ("2027-01", "2027-02")
            ]
        },
        headers=headers,
    )
    await client.put(
        f"/v1/kpis/{stock['id']}/targets",
        json={
            "items": [
                {"organization_id": str(hub.orgs["R"]), "period": m, "target": "20"}
                for m in ("2027-01", "2027-02")
            ]
        },
        headers=headers,
    )

    series = await client.get(
        f"/v1/kpis/{up['id']}/series",
        params={"organization_id": str(hub.orgs["R"]), "rollup": "true"},
        headers=headers,
    )
    assert series.status_code == 200, series.text
    points = {p["period"]: p for p in series.json()["points"]}
    assert points["2027-01"]["value"] == "110.0000"  # 20 + 30 + 60 (the 1000 is unverified)
    assert points["2027-01"]["status"] == "green"
    assert points["2027-02"]["value"] == "100.0000"
    assert points["2027-01"]["organizations"] == 3
    own = await client.get(
        f"/v1/kpis/{up['id']}/series",
        params={"organization_id": str(hub.orgs["R"])},
        headers=headers,
    )
    assert {p["period"]: p["value"] for p in own.json()["points"]} == {
        "2027-01": "20.0000",
        "2027-02": "10.0000",
    }
    assert {p["period"]: p["status"] for p in own.json()["points"]} == {
        "2027-01": "red",
        "2027-02": "red",
    }

    card = await client.get(
        "/v1/scorecards",
        params={"organization_id": str(hub.orgs["R"]), "period": "2027-Q1"},
        headers=headers,
    )
    assert card.status_code == 200, card.text
    lines = {line["code"]: line for line in card.json()["items"]}
    # sum over two months and three organizations; target 100 + 100
    assert lines["UP"]["value"] == "210.0000"
    assert lines["UP"]["target"] == "200.0000"
    assert lines["UP"]["status"] == "green"
    # avg: R (30+20)/2=25, A 20, B 30 → 25; target 20, amber at 30 (down) → amber
    assert lines["DOWN"]["value"] == "25.0000"
    assert lines["DOWN"]["status"] == "amber"
    # last: R 6 + A 9 + B 2 = 17; target: R's last 20 → red (no amber threshold)
    assert lines["STOCK"]["value"] == "17.0000"
    assert lines["STOCK"]["status"] == "red"
    assert card.json()["counts"] == {"green": 1, "amber": 1, "red": 1, "no_data": 0}
    # a municipality's scorecard sees its own figures only
    mine = await client.get(
        "/v1/scorecards",
        params={"organization_id": str(hub.orgs["A"]), "period": "2027-01"},
        headers=hub.auth("org_admin@A"),
    )
    assert {line["code"]: line["value"] for line in mine.json()["items"]}["UP"] == "30.0000"
    problem(
        await client.get(
            "/v1/scorecards",
            params={"organization_id": str(hub.orgs["R"]), "period": "2027-01"},
            headers=hub.auth("org_admin@A"),
        ),
        404,
    )
    problem(
        await client.get(
            "/v1/scorecards",
            params={"organization_id": str(hub.orgs["R"]), "period": "2027-13"},
            headers=headers,
        ),
        422,
    )


async def test_scorecard_targets_are_the_roots_own_or_its_subtrees(client, hub):
    """A scorecard's target and amber threshold: the organization's own when it has some
    for the KPI, else its subtree's rolled up by the KPI's rule, amber thresholds only
    where they are set."""
    headers = hub.auth("org_admin@M")
    cases = {"SUMMED": "sum", "AVERAGED": "avg", "LATEST": "last"}
    kpis = {
        code: await create_kpi(client, hub, "M", code=code, aggregation=rule)
        for code, rule in cases.items()
    }
    items = [
        {
            "organization_id": str(hub.orgs["R"]),
            "period": "2027-01",
            "target": "100",
            "amber_at": "80",
        },
        {
            "organization_id": str(hub.orgs["R"]),
            "period": "2027-02",
            "target": "120",
            "amber_at": "90",
        },
        {"organization_id": str(hub.orgs["A"]), "period": "2027-01", "target": "50"},
        {
            "organization_id": str(hub.orgs["B"]),
            "period": "2027-02",
            "target": "30",
            "amber_at": "20",
        },
    ]
    for kpi in kpis.values():
        response = await client.put(
            f"/v1/kpis/{kpi['id']}/targets", json={"items": items}, headers=headers
        )
        assert response.status_code == 200, response.text

    async def card(org: str) -> dict[str, tuple[str | None, str | None]]:
        response = await client.get(
            "/v1/scorecards",
            params={"organization_id": str(hub.orgs[org]), "period": "2027-Q1"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return {i["code"]: (i["target"], i["amber_at"]) for i in response.json()["items"]}

    # R has its own: 100 + 120 / (100 + 120) / 2 / the later month's 120; amber alike
    assert await card("R") == {
        "SUMMED": ("220.0000", "170.0000"),
        "AVERAGED": ("110.0000", "85.0000"),
        "LATEST": ("120.0000", "90.0000"),
    }
    # A has its own target and no amber threshold
    assert await card("A") == {
        "SUMMED": ("50.0000", None),
        "AVERAGED": ("50.0000", None),
        "LATEST": ("50.0000", None),
    }
    # M has none: its subtree's, per organization then over organizations (R 220/110/120,
    # A 50, B 30); amber over R (170/85/90) and B (20) only
    assert await card("M") == {
        "SUMMED": ("300.0000", "190.0000"),
        "AVERAGED": ("63.3333", "52.5000"),
        "LATEST": ("200.0000", "110.0000"),
    }
