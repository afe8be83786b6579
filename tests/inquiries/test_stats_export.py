"""KPIs, the CSV export and the worker's survey invitation."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from services.common.db import session_scope
from services.common.outbox import Event
from services.inquiries.handlers import invite_to_survey
from tests.inquiries.conftest import submit

RIYADH = ZoneInfo("Asia/Riyadh")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=RIYADH)


async def test_stats_for_a_subtree(client, world, fake_clock):
    fake_clock.set(at(22, 8))
    staff = world.auth("coordinator@R")
    one = await submit(client, organization_id=str(world.orgs["R"]), channel="website")
    two = await submit(
        client, organization_id=str(world.orgs["R"]), channel="whatsapp", kind="question"
    )
    await submit(client, organization_id=str(world.orgs["A"]), channel="majlis", kind="suggestion")
    await submit(client, organization_id=str(world.orgs["S"]), channel="whatsapp")  # outside

    fake_clock.set(at(22, 9))
    await client.post(
        f"/v1/inquiries/{one['id']}/messages",
        headers=staff,
        json={"visibility": "public", "body": "وصلنا بلاغك"},
    )
    fake_clock.set(at(22, 10))
    await client.post(
        f"/v1/inquiries/{one['id']}/assign",
        headers=staff,
        json={"assignee_id": str(world.users["agent@R"])},
    )
    await client.post(
        f"/v1/inquiries/{one['id']}/resolve", headers=staff, json={"resolution": "تم"}
    )
    await client.post(
        f"/v1/inquiries/{one['id']}/survey",
        json={"rating": 4},
        headers={"X-Tracking-Token": one["tracking_token"]},
    )
    fake_clock.set(at(22, 11))
    await client.post(
        f"/v1/inquiries/{two['id']}/messages",
        headers=staff,
        json={"visibility": "public", "body": "سنجيبك"},
    )
    fake_clock.set(at(22, 17))  # the suggestion's first response (due 16:00) is late

    response = await client.get("/v1/inquiries/stats", headers=staff)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["organization_id"] == str(world.orgs["R"])
    assert stats["total"] == 3
    assert stats["by_status"] == {"resolved": 1, "in_progress": 1, "new": 1}
    assert stats["by_kind"] == {"complaint": 1, "question": 1, "suggestion": 1}
    assert stats["by_channel"] == {"website": 1, "whatsapp": 1, "majlis": 1}
    assert stats["by_priority"] == {"normal": 3}
    assert stats["by_category"] == [
        {"category_id": None, "name_ar": None, "name_en": None, "count": 3}
    ]
    assert stats["first_response"] == {
        "median_business_hours": 2.0,
        "measured": 2,
        "met": 2,
        "missed": 1,
        "compliance_percent": 66.67,
    }
    assert stats["resolution"] == {
        "median_business_hours": 2.0,
        "measured": 1,
        "met": 1,
        "missed": 0,
        "compliance_percent": 100.0,
    }
    assert stats["sla_compliance_percent"] == 75.0
    assert stats["backlog_by_age"] == {
        "under_1_day": 2,
        "days_1_to_3": 0,
        "days_3_to_7": 0,
        "days_7_to_30": 0,
        "over_30_days": 0,
        "total": 2,
    }
    assert stats["satisfaction"] == {
        "average_rating": 4.0,
        "responses": 1,
        "resolved": 1,
        "response_rate_percent": 100.0,
    }
    # a period without inquiries, and the municipality alone
    empty = (
        await client.get(
            "/v1/inquiries/stats",
            headers=staff,
            params={"from": "2026-01-01T00:00:00+03:00", "to": "2026-02-01T00:00:00+03:00"},
        )
    ).json()
    assert empty["total"] == 0 and empty["first_response"]["compliance_percent"] is None
    only_a = (
        await client.get(
            "/v1/inquiries/stats", headers=staff, params={"organization_id": str(world.orgs["A"])}
        )
    ).json()
    assert only_a["total"] == 1


async def test_export_is_csv_with_bom_and_filters(client, world):
    org = str(world.orgs["A"])
    await submit(
        client,
        organization_id=org,
        subject='=HYPERLINK("http://x")',
        contact={"name": "سعد", "phone": "+966501234567"},
    )
    await submit(client, organization_id=org, subject="إنارة الشارع", kind="question")
    staff = world.auth("coordinator@A")
    response = await client.get("/v1/inquiries/export", headers=staff)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert {r["subject"] for r in rows} == {'\'=HYPERLINK("http://x")', "إنارة الشارع"}
    assert "+966501234567" not in raw.decode() and "سعد" not in raw.decode()
    questions = await client.get("/v1/inquiries/export", headers=staff, params={"kind": "question"})
    rows = list(csv.DictReader(io.StringIO(questions.content.decode("utf-8-sig"))))
    assert [r["subject"] for r in rows] == ["إنارة الشارع"]


async def test_export_streams_more_than_one_chunk(client, world):
    for n in range(3):
        await submit(client, organization_id=str(world.orgs["A"]), subject=f"بلاغ {n}")
    from services.inquiries.repository import inquiries as repository

    original = repository.iter_chunks

    async def small_chunks(session, stmt, chunk=1000):
        async for rows in original(session, stmt, chunk=1):
            yield rows

    repository.iter_chunks = small_chunks
    try:
        response = await client.get("/v1/inquiries/export", headers=world.auth("agent@A"))
    finally:
        repository.iter_chunks = original
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["subject"] for r in rows) == ["بلاغ 0", "بلاغ 1", "بلاغ 2"]


async def test_list_paginates_with_a_cursor(client, world):
    for n in range(5):
        await submit(client, organization_id=str(world.orgs["A"]), subject=f"بلاغ {n}")
    staff, seen, cursor = world.auth("agent@A"), [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/inquiries", headers=staff, params=params)).json()
        seen += [i["subject"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"بلاغ {n}" for n in reversed(range(5))]


async def test_resolution_invites_to_the_survey_once(client, world):
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    event = Event(
        id=uuid.uuid4(),
        event_type="inquiry.resolved",
        aggregate_type="inquiry",
        aggregate_id=uuid.UUID(receipt["id"]),
        organization_id=world.orgs["A"],
        payload={},
        attempt=1,
    )
    sessionmaker = client.app.state.sessionmaker
    async with session_scope(sessionmaker) as session:
        await invite_to_survey(event, session)
    first = await world.directory.conn.fetchval(
        "SELECT survey_invited_at FROM inquiry WHERE id = $1", event.aggregate_id
    )
    async with session_scope(sessionmaker) as session:
        await invite_to_survey(event, session)  # redelivered: nothing changes
    assert first is not None
    assert first == await world.directory.conn.fetchval(
        "SELECT survey_invited_at FROM inquiry WHERE id = $1", event.aggregate_id
    )
