"""SLA through the API: policies inherited down the tree, business hours and holidays of the
owning organization, the pause while awaiting the citizen, the breached / at-risk filters and
the worker's breach sweep (once per target)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from services.common.db import session_scope
from services.inquiries.handlers import sweep_sla_breaches
from tests.inquiries.conftest import create_category, create_policy, submit

RIYADH = ZoneInfo("Asia/Riyadh")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=RIYADH)  # 22 = Sunday


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_holidays_of_an_ancestor_are_skipped(client, world, fake_clock):
    await world.directory.holiday(world.orgs["M"], date(2026, 11, 22), "اليوم الوطني")
    fake_clock.set(at(19, 15))  # Thursday 15:00
    receipt = await submit(client, organization_id=str(world.orgs["A"]), channel="majlis")
    assert when(receipt["first_response_due"]) == at(23, 15)  # Sunday off → Monday 15:00


async def test_the_calendar_is_inherited_field_by_field_nearest_first(client, world, fake_clock):
    """A region sets its time zone and hours; a municipality below it overrides only the end
    of the day: the intake counts in the region's zone and start, and the municipality's end."""
    directory = world.directory
    region = await directory.organization(
        "dubai-region",
        "منطقة دبي",
        parent=world.orgs["M"],
        kind="region",
        timezone="Asia/Dubai",
        work_start=time(7, 0),
        work_end=time(15, 0),
    )
    town = await directory.organization("deira", "بلدية ديرة", parent=region, work_end=time(14, 0))
    await directory.channel(town, "majlis")
    world.orgs["dubai-region"] = region
    await create_policy(
        client, world, "dubai-region", first_response_minutes=60, resolution_minutes=600
    )
    dubai = ZoneInfo("Asia/Dubai")
    fake_clock.set(datetime(2026, 11, 23, 13, 30, tzinfo=dubai))  # Monday
    receipt = await submit(client, organization_id=str(town), channel="majlis")
    # 30 minutes to 14:00 (the town's end, not the region's 15:00), 30 from 07:00 on Tuesday
    assert when(receipt["first_response_due"]) == datetime(2026, 11, 24, 7, 30, tzinfo=dubai)


async def test_the_intake_default_categorys_policy_applies_when_none_is_named(
    client, world, fake_clock
):
    """Sent to an organization without a category, the inquiry takes the intake default
    category, and that category's policy beats the organization's catch-all."""
    fake_clock.set(at(22, 8))
    category = await create_category(client, world, "R", code="general", intake_default=True)
    await create_policy(client, world, "R", first_response_minutes=45, resolution_minutes=450)
    for_category = await create_policy(
        client,
        world,
        "R",
        category_id=category["id"],
        first_response_minutes=5,
        resolution_minutes=50,
    )
    receipt = await submit(client, organization_id=str(world.orgs["A"]), channel="majlis")
    assert receipt["category_id"] == category["id"]
    out = (
        await client.get(f"/v1/inquiries/{receipt['id']}", headers=world.auth("coordinator@A"))
    ).json()
    assert out["sla_policy_id"] == for_category
    assert out["first_response_target_minutes"] == 5
    assert when(receipt["first_response_due"]) == at(22, 8, 5)


async def test_policies_are_inherited_nearest_first(client, world, fake_clock):
    fake_clock.set(at(22, 8))

    async def policy(org: str, **fields) -> str:
        return await create_policy(client, world, org, **fields)

    ministry = await policy(
        "M", kind="complaint", first_response_minutes=30, resolution_minutes=300
    )
    region_high = await policy(
        "R", kind="complaint", priority="high", first_response_minutes=10, resolution_minutes=100
    )
    region_any = await policy("R", first_response_minutes=45, resolution_minutes=450)
    category = await create_category(
        client, world, "M", code="lights", name_ar="الإنارة", public=True
    )
    for_category = await policy(
        "M", category_id=category["id"], first_response_minutes=5, resolution_minutes=50
    )
    staff = world.auth("coordinator@A")

    async def targets(**fields) -> tuple[str | None, int, int]:
        receipt = await submit(
            client, world, "coordinator@A", organization_id=str(world.orgs["A"]), **fields
        )
        out = (await client.get(f"/v1/inquiries/{receipt['id']}", headers=staff)).json()
        return (
            out["sla_policy_id"],
            out["first_response_target_minutes"],
            out["resolution_target_minutes"],
        )

    # R (nearer) has a catch-all policy: it beats M's complaint policy
    assert await targets() == (region_any, 45, 450)
    assert await targets(priority="high") == (region_high, 10, 100)
    assert await targets(kind="question") == (region_any, 45, 450)
    assert await targets(category_id=category["id"]) == (for_category, 5, 50)
    # without R's catch-all, M's complaint policy applies; questions fall back to defaults
    off = await client.patch(
        f"/v1/sla-policies/{region_any}", headers=world.auth("admin"), json={"active": False}
    )
    assert off.status_code == 200, off.text
    assert await targets() == (ministry, 30, 300)
    assert await targets(kind="question") == (None, 480, 2400)
    assert await targets(kind="question", priority="urgent") == (None, 60, 480)
    receipt = await submit(client, world, "coordinator@A", organization_id=str(world.orgs["A"]))
    assert when(receipt["first_response_due"]) == at(22, 8, 30)
    assert when(receipt["resolution_due"]) == at(22, 13)


async def test_the_clock_pauses_while_awaiting_the_citizen(client, world, fake_clock):
    fake_clock.set(at(22, 8))  # Sunday 08:00
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    inquiry_id, staff = receipt["id"], world.auth("coordinator@A")
    token = {"X-Tracking-Token": receipt["tracking_token"]}
    # defaults (normal): 8 h to the first response, 40 h to resolution
    assert when(receipt["first_response_due"]) == at(22, 16)
    assert when(receipt["resolution_due"]) == at(26, 16)

    fake_clock.set(at(22, 10))
    ask = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=staff,
        json={"visibility": "public", "body": "نرجو إرفاق صورة", "await_citizen": True},
    )
    assert ask.status_code == 201
    paused = (await client.get(f"/v1/inquiries/{inquiry_id}", headers=staff)).json()
    assert paused["sla_state"] == "paused" and paused["first_response_at"] is not None

    # three business hours later the citizen answers: both due times move by 3 h
    fake_clock.set(at(22, 13))
    answer = await client.post(
        f"/v1/inquiries/track/{receipt['reference']}/messages",
        headers=token,
        json={"body": "أرفقت الصورة"},
    )
    assert answer.status_code == 201
    out = (await client.get(f"/v1/inquiries/{inquiry_id}", headers=staff)).json()
    assert out["status"] == "in_progress" and out["paused_minutes"] == 180
    assert when(out["resolution_due"]) == at(29, 11)  # Thursday 16:00 + 3 h → Sunday 11:00

    # a pause over the weekend counts only business time (Thu 15–16, Sun 08–09)
    fake_clock.set(at(26, 15))
    await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=staff,
        json={"visibility": "public", "body": "سؤال آخر", "await_citizen": True},
    )
    fake_clock.set(at(29, 9))
    await client.post(
        f"/v1/inquiries/track/{receipt['reference']}/messages",
        headers=token,
        json={"body": "الجواب"},
    )
    out = (await client.get(f"/v1/inquiries/{inquiry_id}", headers=staff)).json()
    assert out["paused_minutes"] == 300
    assert when(out["resolution_due"]) == at(29, 13)

    # the resolution time excludes the pauses
    fake_clock.set(at(29, 12))
    await client.post(
        f"/v1/inquiries/{inquiry_id}/assign",
        headers=staff,
        json={"assignee_id": str(world.users["agent@A"])},
    )
    resolved = await client.post(
        f"/v1/inquiries/{inquiry_id}/resolve", headers=staff, json={"resolution": "تم"}
    )
    assert resolved.json()["sla_state"] == "met"
    minutes = await world.directory.conn.fetchval(
        "SELECT resolution_business_minutes FROM inquiry WHERE id = $1::uuid", inquiry_id
    )
    assert minutes == 40 * 60 + 4 * 60 - 300  # Sun 22 08:00 → Sun 29 12:00 = 44 h, minus 5 h


async def test_breached_and_at_risk_filters_and_the_sweep(client, world, fake_clock):
    fake_clock.set(at(22, 8))
    staff = world.auth("coordinator@A")
    org = str(world.orgs["A"])
    quiet = await submit(client, organization_id=org, subject="هادئ")
    answered = await submit(client, organization_id=org, subject="مجاب")
    await client.post(
        f"/v1/inquiries/{answered['id']}/messages",
        headers=staff,
        json={"visibility": "public", "body": "تم الاستلام"},
    )

    async def listed(sla: str) -> set[str]:
        response = await client.get("/v1/inquiries", headers=staff, params={"sla": sla})
        assert response.status_code == 200
        return {i["id"] for i in response.json()["items"]}

    fake_clock.set(at(22, 14))  # 6 of 8 h elapsed: 75 %
    assert await listed("at_risk") == set() and await listed("breached") == set()
    fake_clock.set(at(22, 14, 30))  # 81 %
    assert await listed("at_risk") == {quiet["id"]}
    fake_clock.set(at(22, 16, 30))  # past the first-response due time
    assert await listed("breached") == {quiet["id"]}
    assert await listed("at_risk") == set()

    sessionmaker = client.app.state.sessionmaker
    async with session_scope(sessionmaker) as session:
        assert await sweep_sla_breaches(session) == 1
    async with session_scope(sessionmaker) as session:
        assert await sweep_sla_breaches(session) == 0  # once
    events = await world.directory.conn.fetch(
        "SELECT payload FROM common_outbox WHERE event_type = 'inquiry.sla_breached'"
    )
    assert len(events) == 1
    assert '"first_response"' in events[0]["payload"] and quiet["reference"] in events[0]["payload"]
    out = (await client.get(f"/v1/inquiries/{quiet['id']}", headers=staff)).json()
    assert out["sla_state"] == "breached"

    # a late first response keeps it breached and does not report it again
    reply = await client.post(
        f"/v1/inquiries/{quiet['id']}/messages",
        headers=staff,
        json={"visibility": "public", "body": "نعتذر عن التأخير"},
    )
    assert reply.status_code == 201
    assert await listed("breached") == {quiet["id"]}

    # past both resolution due times (Thursday 16:00): each resolution target once
    fake_clock.set(at(26, 16, 1))
    async with session_scope(sessionmaker) as session:
        assert await sweep_sla_breaches(session) == 2
    async with session_scope(sessionmaker) as session:
        assert await sweep_sla_breaches(session) == 0
    assert await listed("breached") == {quiet["id"], answered["id"]}


async def test_a_late_first_response_is_reported_without_the_sweep(client, world, fake_clock):
    fake_clock.set(at(22, 8))
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    fake_clock.set(at(23, 9))
    staff = world.auth("coordinator@A")
    await client.post(
        f"/v1/inquiries/{receipt['id']}/messages",
        headers=staff,
        json={"visibility": "public", "body": "رد متأخر"},
    )
    count = await world.directory.conn.fetchval(
        "SELECT count(*) FROM common_outbox WHERE event_type = 'inquiry.sla_breached'"
    )
    assert count == 1
    async with session_scope(client.app.state.sessionmaker) as session:
        assert await sweep_sla_breaches(session) == 0


async def test_reopen_and_reject_stop_and_restart_the_clock(client, world, fake_clock):
    fake_clock.set(at(22, 8))
    staff = world.auth("coordinator@A")
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    path = f"/v1/inquiries/{receipt['id']}"
    await client.post(
        f"{path}/assign", headers=staff, json={"assignee_id": str(world.users["agent@A"])}
    )
    resolved = (
        await client.post(f"{path}/resolve", headers=staff, json={"resolution": "تم"})
    ).json()
    assert resolved["sla_state"] == "met" and resolved["first_response_at"] is not None
    reopened = await client.post(f"{path}/reopen", headers=staff, json={"reason": "لم يُحل"})
    assert reopened.status_code == 200
    out = reopened.json()
    assert out["status"] == "in_progress" and out["resolved_at"] is None
    assert out["sla_state"] == "on_track"
    rejected = (
        await client.post(f"{path}/reject", headers=staff, json={"reason": "خارج الاختصاص"})
    ).json()
    assert rejected["sla_state"] == "stopped"
    fake_clock.set(at(29, 8))
    async with session_scope(client.app.state.sessionmaker) as session:
        assert await sweep_sla_breaches(session) == 0
