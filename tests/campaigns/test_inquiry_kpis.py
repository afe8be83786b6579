"""The built-in inquiry KPIs: fed by the inquiries service's events through the worker's
handlers, they match `GET /v1/inquiries/stats` for the same organization and month."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import update

from services.common.db import build_engine, build_sessionmaker
from services.inquiries.app import create_app as create_inquiries_app
from services.inquiries.models import Inquiry
from services.inquiries.service.sla import sweep_sla_breaches
from tests.campaigns.conftest import problem
from tests.campaigns.test_crisis import deliver_pending

RIYADH = ZoneInfo("Asia/Riyadh")


async def test_inquiry_kpis_match_the_inquiries_stats(client, hub, settings, make_client):
    inquiries: httpx.AsyncClient = await make_client(create_inquiries_app)
    staff = hub.auth("org_admin@R")

    async def submit(org: str, subject: str) -> dict:
        response = await inquiries.post(
            "/v1/inquiries",
            json={
                "kind": "complaint",
                "channel": "website",
                "subject": subject,
                "body": "تفاصيل البلاغ",
                "organization_id": str(hub.orgs[org]),
            },
        )
        assert response.status_code == 201, response.text
        data: dict = response.json()
        return data

    answered = await submit("A", "حفرة في الطريق")
    resolved = await submit("R", "إنارة معطلة")
    late = await submit("B", "تسرب مياه")
    await submit("S", "خارج النطاق")  # another region: not counted below R
    for inquiry in (answered, resolved):
        reply = await inquiries.post(
            f"/v1/inquiries/{inquiry['id']}/messages",
            headers=staff,
            json={"visibility": "public", "body": "وصلنا بلاغك وسنعالجه"},
        )
        assert reply.status_code == 201, reply.text
    done = await inquiries.post(
        f"/v1/inquiries/{resolved['id']}/resolve", headers=staff, json={"resolution": "تم الإصلاح"}
    )
    assert done.status_code == 200, done.text
    rated = await inquiries.post(
        f"/v1/inquiries/{resolved['id']}/survey",
        json={"rating": 4},
        headers={"X-Tracking-Token": resolved["tracking_token"]},
    )
    assert rated.status_code in (200, 201), rated.text
    # the third one's first response is overdue: the worker's SLA sweep reports it
    engine = build_engine(settings.database_url, settings)
    try:
        sessions = build_sessionmaker(engine)
        async with sessions() as session, session.begin():
            await session.execute(
                update(Inquiry)
                .where(Inquiry.id == uuid.UUID(late["id"]))
                .values(
                    first_response_due=datetime.now(UTC) - timedelta(minutes=5),
                    sla_alarm_at=datetime.now(UTC) - timedelta(minutes=5),
                )
            )
        async with sessions() as session, session.begin():
            assert await sweep_sla_breaches(session) >= 1
    finally:
        await engine.dispose()
    delivered = await deliver_pending(settings)
    assert delivered >= 7
    await deliver_pending(settings)  # a redelivery changes nothing

    today = datetime.now(RIYADH)
    period = f"{today.year:04d}-{today.month:02d}"
    start = datetime(today.year, today.month, 1, tzinfo=RIYADH)
    end = datetime(today.year + (today.month == 12), today.month % 12 + 1, 1, tzinfo=RIYADH)
    stats = (
        await inquiries.get(
            "/v1/inquiries/stats",
            params={
                "organization_id": str(hub.orgs["R"]),
                "from": start.isoformat(),
                "to": end.isoformat(),
            },
            headers=staff,
        )
    ).json()
    response = await client.get(
        "/v1/kpis/inquiries",
        params={"organization_id": str(hub.orgs["R"]), "period": period},
        headers=hub.auth("agent@R"),
    )
    assert response.status_code == 200, response.text
    kpis = response.json()
    assert kpis["volume"] == stats["total"] == 3
    for target in ("first_response", "resolution"):
        assert {k: kpis[target][k] for k in ("met", "missed", "compliance_percent")} == {
            k: stats[target][k] for k in ("met", "missed", "compliance_percent")
        }
    assert kpis["first_response"]["met"] == 2 and kpis["first_response"]["missed"] == 1
    assert kpis["satisfaction_average"] == stats["satisfaction"]["average_rating"] == 4.0
    assert kpis["satisfaction_responses"] == stats["satisfaction"]["responses"] == 1
    assert kpis["resolved"] == stats["satisfaction"]["resolved"] == 1

    # a municipality sees its own subtree only; a bad period is a problem
    own = (
        await client.get(
            "/v1/kpis/inquiries",
            params={"organization_id": str(hub.orgs["A"]), "period": period},
            headers=hub.auth("agent@A"),
        )
    ).json()
    assert own["volume"] == 1 and own["first_response"]["met"] == 1
    problem(
        await client.get(
            "/v1/kpis/inquiries",
            params={"organization_id": str(hub.orgs["R"]), "period": period},
            headers=hub.auth("agent@A"),
        ),
        404,
    )
    problem(
        await client.get(
            "/v1/kpis/inquiries",
            params={"organization_id": str(hub.orgs["R"]), "period": "2027-13"},
            headers=staff,
        ),
        422,
    )

    # built-in KPIs: the same figures as scorecard lines, coloured against their targets
    from tests.campaigns.test_kpis import create_kpi

    builtins = {
        source: await create_kpi(
            client,
            hub,
            "R",
            code=code,
            source=source,
            unit=unit,
            direction=direction,
            aggregation="avg",
        )
        for code, source, unit, direction in (
            ("INQ-FIRST", "inquiries.first_response", "percent", "up"),
            ("INQ-RESOLVED", "inquiries.resolution", "percent", "up"),
            ("INQ-RATING", "inquiries.satisfaction", "score", "up"),
            ("INQ-VOLUME", "inquiries.volume", "count", "down"),
        )
    }
    assert builtins["inquiries.volume"]["source"] == "inquiries.volume"
    for source, target, amber in (
        ("inquiries.first_response", "90", "60"),  # 66.67 → amber
        ("inquiries.satisfaction", "4", "3"),  # 4.0 → green
        ("inquiries.volume", "2", None),  # 3 inquiries, lower is better → red
    ):
        put = await client.put(
            f"/v1/kpis/{builtins[source]['id']}/targets",
            json={
                "items": [
                    {"organization_id": str(hub.orgs["R"]), "period": period, "target": target}
                    | ({"amber_at": amber} if amber else {})
                ]
            },
            headers=hub.auth("org_admin@R"),
        )
        assert put.status_code == 200, put.text
    card = await client.get(
        "/v1/scorecards",
        params={"organization_id": str(hub.orgs["R"]), "period": period},
        headers=staff,
    )
    assert card.status_code == 200, card.text
    lines = {line["code"]: line for line in card.json()["items"]}
    assert lines["INQ-FIRST"]["value"] == "66.6667" and lines["INQ-FIRST"]["status"] == "amber"
    assert lines["INQ-RATING"]["value"] == "4.0000" and lines["INQ-RATING"]["status"] == "green"
    assert lines["INQ-VOLUME"]["value"] == "3.0000" and lines["INQ-VOLUME"]["status"] == "red"
    assert lines["INQ-VOLUME"]["organizations"] == 3  # R, A and B received one each
    # resolution: 1 met, none missed → 100 %, but no target → no colour
    assert lines["INQ-RESOLVED"]["value"] == "100.0000" and lines["INQ-RESOLVED"]["status"] is None
    assert card.json()["counts"] == {"green": 1, "amber": 1, "red": 1, "no_data": 1}
    series = await client.get(
        f"/v1/kpis/{builtins['inquiries.volume']['id']}/series",
        params={"organization_id": str(hub.orgs["A"])},
        headers=hub.auth("agent@A"),
    )
    assert series.status_code == 200, series.text
    assert [(p["period"], p["value"]) for p in series.json()["points"]] == [(period, "1.0000")]
    # their values are computed, never submitted
    problem(
        await client.post(
            f"/v1/kpis/{builtins['inquiries.volume']['id']}/values",
            json={"organization_id": str(hub.orgs["R"]), "period": period, "value": "5"},
            headers=staff,
        ),
        409,
        "kpi_builtin",
    )
