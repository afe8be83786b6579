"""Occasions (Umm al-Qura table test, confirmations, holidays by event), conflicts of each
reason, suspensions, campaign flights from events."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
import pytest
from hijridate import Hijri

from services.calendar import handlers as calendar_handlers
from services.common.embedded import to_plain_url
from services.common.outbox import Event
from services.directory import handlers as directory_handlers
from tests.calendar.conftest import act, create_entry, problem

CALENDAR_HANDLERS = {
    "campaign.flight.scheduled": calendar_handlers.upsert_flight,
    "campaign.flight.changed": calendar_handlers.upsert_flight,
    "campaign.flight.cancelled": calendar_handlers.cancel_flight,
    "crisis.activated": calendar_handlers.suspend_for_crisis,
    "crisis.closed": calendar_handlers.lift_crisis_suspension,
}


async def handle(engine, event_type: str, aggregate_id: uuid.UUID, body: dict) -> None:
    """The calendar's handler of `event_type` on `body`, in a transaction of its own, as the
    worker runs it."""
    from services.common.db import build_sessionmaker, session_scope

    event = Event(uuid.uuid4(), event_type, event_type.split(".")[0], aggregate_id, None, body, 1)
    async with session_scope(build_sessionmaker(engine)) as session:
        await CALENDAR_HANDLERS[event_type](event, session)


OCCASIONS = {
    "ramadan": (9, 1),
    "eid-al-fitr": (10, 1),
    "eid-al-adha": (12, 10),
    "hijri-new-year": (1, 1),
}


@pytest.mark.parametrize("hijri_year", range(1446, 1453))
async def test_occasions_land_on_umm_al_qura_dates(client, world, hijri_year):
    for code, (month, day) in OCCASIONS.items():
        expected = Hijri(hijri_year, month, day).to_gregorian()
        response = await client.get(
            f"/v1/calendar/occasions?year={expected.year}", headers=world.auth("agent@A")
        )
        [item] = [i for i in response.json()["items"] if i["code"] == code]
        starts = [d["start_date"] for d in item["dates"] if d["hijri_year"] == hijri_year]
        assert starts == [date(expected.year, expected.month, expected.day).isoformat()], code


async def outbox(settings, event_type: str) -> list[dict]:
    conn = await asyncpg.connect(to_plain_url(settings.database_url))
    try:
        rows = await conn.fetch(
            "SELECT id, event_type, aggregate_type, aggregate_id, organization_id, payload::text "
            "FROM common_outbox WHERE event_type = $1 ORDER BY created_at",
            event_type,
        )
    finally:
        await conn.close()
    import json

    return [dict(r) | {"payload": json.loads(r["payload"])} for r in rows]


async def test_confirmation_moves_exactly_one_year_and_the_holidays(
    client, world, settings, make_client
):
    listed = await client.get("/v1/calendar/occasions?year=2026", headers=world.auth("agent@A"))
    eid = next(i for i in listed.json()["items"] if i["code"] == "eid-al-fitr")
    assert eid["day_off"] is True
    computed = eid["start_date"]  # 1 Shawwal 1447
    problem(
        await client.post(
            f"/v1/calendar/occasions/{eid['id']}/confirmations",
            json={"hijri_year": 1447, "start_date": "2026-05-01"},
            headers=world.auth("org_admin@M"),
        ),
        422,
    )
    confirmed = await client.post(
        f"/v1/calendar/occasions/{eid['id']}/confirmations",
        json={"hijri_year": 1447, "start_date": "2026-03-21", "note": "تعذرت رؤية الهلال"},
        headers=world.auth("org_admin@M"),
    )
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["computed_start_date"] == computed
    after = await client.get("/v1/calendar/occasions?year=2026", headers=world.auth("agent@A"))
    moved = next(i for i in after.json()["items"] if i["code"] == "eid-al-fitr")
    assert moved["start_date"] == "2026-03-21" and moved["dates"][0]["confirmed"]
    next_year = await client.get("/v1/calendar/occasions?year=2027", headers=world.auth("agent@A"))
    untouched = next(i for i in next_year.json()["items"] if i["code"] == "eid-al-fitr")
    expected = Hijri(1448, 10, 1).to_gregorian()
    assert untouched["start_date"] == date(expected.year, expected.month, expected.day).isoformat()

    # the events reach the directory's holidays (the handler the worker runs)
    events = await outbox(settings, "calendar.occasion.days_changed")
    conn = await asyncpg.connect(to_plain_url(settings.database_url))
    try:
        from services.common.db import build_engine, build_sessionmaker, session_scope

        engine = build_engine(settings.database_url, settings)
        async with session_scope(build_sessionmaker(engine)) as session:
            for e in events:
                event = Event(
                    e["id"],
                    e["event_type"],
                    e["aggregate_type"],
                    e["aggregate_id"],
                    e["organization_id"],
                    e["payload"],
                    1,
                )
                await directory_handlers.occasion_holidays(event, session)
                await directory_handlers.occasion_holidays(event, session)  # twice: idempotent
        await engine.dispose()
        days = {
            r["date"].isoformat()
            for r in await conn.fetch(
                "SELECT date FROM directory_holiday "
                "WHERE organization_id = $1 AND name_ar = 'عيد الفطر'",
                world.orgs["M"],
            )
        }
    finally:
        await conn.close()
    assert "2026-03-21" in days and "2026-03-23" in days and computed not in days


async def test_conflicts_of_each_reason(client, world):
    base = {"starts_at": "2026-04-07T10:00:00+03:00", "ends_at": "2026-04-07T11:00:00+03:00"}
    spokesperson = str(world.users["spokesperson@R"])
    first = await create_entry(
        client,
        world,
        "agent@R",
        kind="press_conference",
        title_ar="مؤتمر الأمانة",
        channels=["x"],
        audiences=["media"],
        spokesperson_id=spokesperson,
        **base,
    )
    assert (await act(client, world, first["id"], "submit", "agent@R")).status_code == 200
    blackout = await create_entry(
        client,
        world,
        "agent@R",
        kind="blackout",
        title_ar="حظر نشر",
        all_day=True,
        start_date="2026-04-07",
        end_date="2026-04-07",
        blocks=["social_post"],
        enforcement="refuse",
    )
    await act(client, world, blackout["id"], "submit", "agent@R")
    # A's post: same X account of R, same audience same day, inside R's blackout
    check = await client.post(
        "/v1/calendar/conflicts/check",
        json={
            "kind": "social_post",
            "title_ar": "منشور",
            "starts_at": "2026-04-07T10:30:00+03:00",
            "ends_at": "2026-04-07T10:45:00+03:00",
            "channels": ["x"],
            "audiences": ["media"],
        },
        headers=world.auth("agent@A"),
    )
    assert check.status_code == 200, check.text
    reasons = sorted(c["reason"] for c in check.json()["items"])
    assert reasons == ["audience", "blackout", "channel"]
    assert next(c for c in check.json()["items"] if c["reason"] == "blackout")["refused"]
    # nothing was stored
    problem(
        await client.get(f"/v1/calendar/entries/{uuid.uuid4()}", headers=world.auth("agent@A")), 404
    )
    # the spokesperson in two places
    clash = await create_entry(
        client,
        world,
        "agent@R",
        kind="media_event",
        title_ar="لقاء تلفزيوني",
        spokesperson_id=spokesperson,
        starts_at="2026-04-07T10:30:00+03:00",
        ends_at="2026-04-07T12:00:00+03:00",
    )
    assert [c["reason"] for c in clash["conflicts"]] == ["spokesperson"]
    # a refusing blackout stops submit
    post = await create_entry(
        client,
        world,
        "agent@A",
        kind="social_post",
        title_ar="منشور",
        starts_at="2026-04-07T15:00:00+03:00",
        ends_at="2026-04-07T15:15:00+03:00",
    )
    problem(await act(client, world, post["id"], "submit", "agent@A"), 409, "blackout")
    # on a day-off occasion (Eid al-Fitr 1447 starts 2026-03-20)
    eid = await create_entry(
        client,
        world,
        "agent@A",
        kind="community_event",
        title_ar="فعالية العيد",
        starts_at="2026-03-20T17:00:00+03:00",
        ends_at="2026-03-20T19:00:00+03:00",
    )
    assert [(c["reason"], c["value"]) for c in eid["conflicts"]] == [("occasion", "عيد الفطر")]
    assert (await act(client, world, eid["id"], "submit", "agent@A")).status_code == 200
    march = await client.get(
        "/v1/calendar/conflicts",
        params={"from": "2026-03-01T00:00:00+03:00", "to": "2026-04-01T00:00:00+03:00"},
        headers=world.auth("agent@A"),
    )
    assert [c["reason"] for c in march.json()["items"]] == ["occasion"]
    # none for entries that do not overlap
    apart = await client.post(
        "/v1/calendar/conflicts/check",
        json={
            "kind": "social_post",
            "title_ar": "منشور",
            "starts_at": "2026-04-08T10:30:00+03:00",
            "ends_at": "2026-04-08T10:45:00+03:00",
            "channels": ["x"],
            "audiences": ["media"],
        },
        headers=world.auth("agent@A"),
    )
    assert apart.json()["items"] == []
    listed = await client.get(
        "/v1/calendar/conflicts",
        params={
            "from": "2026-04-01T00:00:00+03:00",
            "to": "2026-05-01T00:00:00+03:00",
            "organization_id": str(world.orgs["R"]),
        },
        headers=world.auth("org_admin@R"),
    )
    assert listed.status_code == 200
    assert "spokesperson" not in {
        c["reason"] for c in listed.json()["items"]
    }  # a draft holds no place


async def test_suspension_and_lift(client, world):
    entry = await create_entry(client, world, "agent@A", kind="social_post")
    await act(client, world, entry["id"], "submit", "agent@A")
    await act(client, world, entry["id"], "approve", "unit_head@A")
    other = await create_entry(client, world, "agent@S", kind="social_post")
    await act(client, world, other["id"], "submit", "agent@S")
    await act(client, world, other["id"], "approve", "unit_head@S")
    response = await client.post(
        "/v1/calendar/suspensions",
        json={
            "organization_id": str(world.orgs["R"]),
            "from": "2026-03-01T00:00:00+03:00",
            "to": "2026-04-01T00:00:00+03:00",
            "reason": "حداد رسمي",
        },
        headers=world.auth("org_admin@R"),
    )
    assert response.status_code == 201, response.text
    suspension = response.json()
    assert suspension["entry_ids"] == [entry["id"]]
    got = (
        await client.get(f"/v1/calendar/entries/{entry['id']}", headers=world.auth("agent@A"))
    ).json()
    assert got["status"] == "suspended"
    assert got["approval"]["history"][-1]["comment"] == "حداد رسمي"
    untouched = (
        await client.get(f"/v1/calendar/entries/{other['id']}", headers=world.auth("agent@S"))
    ).json()
    assert untouched["status"] == "approved"
    lifted = await client.post(
        f"/v1/calendar/suspensions/{suspension['id']}/lift", headers=world.auth("org_admin@R")
    )
    assert lifted.json()["status"] == "lifted"
    again = (
        await client.get(f"/v1/calendar/entries/{entry['id']}", headers=world.auth("agent@A"))
    ).json()
    assert again["status"] == "approved"
    problem(
        await client.post(
            f"/v1/calendar/suspensions/{suspension['id']}/lift", headers=world.auth("org_admin@R")
        ),
        409,
    )


async def test_campaign_flight_events_are_idempotent(client, world, settings):
    from services.common.db import build_engine

    campaign = uuid.uuid4()
    payload = {
        "campaign_id": str(campaign),
        "flight_id": "f1",
        "organization_id": str(world.orgs["R"]),
        "title_ar": "حملة رمضان - الموجة الأولى",
        "start_date": "2026-02-18",
        "end_date": "2026-02-27",
        "channels": ["x", "unknown"],
        "audiences": ["families"],
        "visibility": "sector",
    }
    engine = build_engine(settings.database_url, settings)

    async def deliver(event_type: str, body: dict) -> None:
        await handle(engine, event_type, campaign, body)

    try:
        await deliver("campaign.flight.scheduled", payload)
        await deliver("campaign.flight.scheduled", payload)
        params = {
            "from": "2026-02-01T00:00:00Z",
            "to": "2026-04-01T00:00:00Z",
            "campaign_id": str(campaign),
        }
        items = (
            await client.get("/v1/calendar/entries", params=params, headers=world.auth("agent@R"))
        ).json()["items"]
        assert (
            len(items) == 1
            and items[0]["status"] == "approved"
            and items[0]["kind"] == "campaign_flight"
        )
        await deliver(
            "campaign.flight.changed",
            {**payload, "start_date": "2026-02-20", "end_date": "2026-03-01"},
        )
        items = (
            await client.get("/v1/calendar/entries", params=params, headers=world.auth("agent@R"))
        ).json()["items"]
        assert [(i["start_date"], i["end_date"], i["status"]) for i in items] == [
            ("2026-02-20", "2026-03-01", "approved")
        ]
        await deliver(
            "campaign.flight.cancelled", {"campaign_id": str(campaign), "flight_id": "f1"}
        )
        await deliver(
            "campaign.flight.cancelled", {"campaign_id": str(campaign), "flight_id": "f1"}
        )
        items = (
            await client.get(
                "/v1/calendar/entries",
                params={**params, "status": "cancelled"},
                headers=world.auth("agent@R"),
            )
        ).json()["items"]
        assert len(items) == 1
    finally:
        await engine.dispose()


async def test_a_crisis_suspends_the_scope_and_its_close_lifts_it(client, world, settings):
    """`crisis.activated` with `suspend_calendar` suspends the scope's approved entries of
    the window (once, however often delivered), other scopes untouched; `crisis.closed`
    lifts it; a close delivered before its activation fails, to be delivered again."""
    import pytest

    from services.calendar.service.suspensions import CrisisNotSuspendedYet
    from services.common.db import build_engine

    entry = await create_entry(client, world, "agent@A", kind="social_post")
    await act(client, world, entry["id"], "submit", "agent@A")
    await act(client, world, entry["id"], "approve", "unit_head@A")
    later = await create_entry(
        client,
        world,
        "agent@A",
        kind="social_post",
        starts_at="2026-06-10T10:00:00+03:00",
        ends_at="2026-06-10T11:00:00+03:00",
    )
    await act(client, world, later["id"], "submit", "agent@A")
    await act(client, world, later["id"], "approve", "unit_head@A")
    other = await create_entry(client, world, "agent@S", kind="social_post")
    await act(client, world, other["id"], "submit", "agent@S")
    await act(client, world, other["id"], "approve", "unit_head@S")
    activation = uuid.uuid4()
    activated = {
        "activation_id": str(activation),
        "organization_id": str(world.orgs["R"]),
        "activated_at": "2026-03-01T00:00:00+03:00",
        "suspend_until": "2026-03-31T00:00:00+03:00",
        "suspend_calendar": True,
        "reason": "سيول في المنطقة",
    }
    closed = {
        "activation_id": str(activation),
        "organization_id": str(world.orgs["R"]),
        "closed_at": "2026-03-05T00:00:00+03:00",
        "suspend_calendar": True,
    }
    engine = build_engine(settings.database_url, settings)

    async def deliver(event_type: str, body: dict) -> None:
        await handle(engine, event_type, activation, body)

    async def status(entry_id: str, who: str) -> str:
        got = await client.get(f"/v1/calendar/entries/{entry_id}", headers=world.auth(who))
        return str(got.json()["status"])

    try:
        with pytest.raises(CrisisNotSuspendedYet):
            await deliver("crisis.closed", closed)
        await deliver("crisis.activated", {**activated, "suspend_calendar": False})
        assert await status(entry["id"], "agent@A") == "approved"  # not asked to suspend
        await deliver("crisis.activated", activated)
        await deliver("crisis.activated", activated)  # redelivered: nothing more
        assert await status(entry["id"], "agent@A") == "suspended"
        assert await status(later["id"], "agent@A") == "approved"  # outside the window
        assert await status(other["id"], "agent@S") == "approved"  # outside the scope
        suspension = (
            await client.get(
                f"/v1/calendar/suspensions/{activation}", headers=world.auth("org_admin@R")
            )
        ).json()
        assert suspension["entry_ids"] == [entry["id"]]
        assert suspension["reason"] == "أزمة: سيول في المنطقة"
        await deliver("crisis.closed", closed)
        await deliver("crisis.closed", closed)
        assert await status(entry["id"], "agent@A") == "approved"
    finally:
        await engine.dispose()


async def test_a_flight_event_older_than_the_one_applied_changes_nothing(client, world, settings):
    """Two workers may deliver a flight's events out of order: a `scheduled` of before the
    move arriving after the `changed`, or a `changed` after the `cancelled`, is ignored by
    its `revision`."""
    from services.common.db import build_engine

    campaign = uuid.uuid4()
    base = {
        "campaign_id": str(campaign),
        "flight_id": "f9",
        "organization_id": str(world.orgs["R"]),
        "title_ar": "حملة الصيف - الموجة الأولى",
        "channels": ["x"],
        "visibility": "sector",
    }
    engine = build_engine(settings.database_url, settings)

    async def deliver(event_type: str, body: dict) -> None:
        await handle(engine, event_type, campaign, body)

    params = {
        "from": "2026-06-01T00:00:00Z",
        "to": "2026-08-01T00:00:00Z",
        "campaign_id": str(campaign),
    }

    async def shown(**extra: str) -> list[tuple[str, str, str]]:
        items = (
            await client.get(
                "/v1/calendar/entries", params={**params, **extra}, headers=world.auth("agent@R")
            )
        ).json()["items"]
        return [(i["start_date"], i["end_date"], i["status"]) for i in items]

    try:
        moved = {**base, "start_date": "2026-07-05", "end_date": "2026-07-15", "revision": 2000}
        await deliver("campaign.flight.changed", moved)  # the move arrives first
        first = {**base, "start_date": "2026-07-01", "end_date": "2026-07-10", "revision": 1000}
        await deliver("campaign.flight.scheduled", first)  # then the approval before it
        assert await shown() == [("2026-07-05", "2026-07-15", "approved")]
        await deliver("campaign.flight.cancelled", {**base, "revision": 3000})
        await deliver("campaign.flight.changed", {**moved, "revision": 2500})  # late again
        assert await shown(status="cancelled") == [("2026-07-05", "2026-07-15", "cancelled")]
    finally:
        await engine.dispose()


async def test_dry_run_check_finds_what_the_created_entry_finds(client, world):
    """The dry-run check (computed, nothing written) answers the same conflicts as the
    stored entry's own, for timed, recurring, all-day, blackout and spokesperson drafts;
    only the draft's id differs."""
    spokesperson = str(world.users["spokesperson@R"])
    held: list[dict[str, Any]] = [
        dict(
            kind="press_conference",
            title_ar="مؤتمر الأمانة",
            channels=["x"],
            audiences=["media", "families"],
            spokesperson_id=spokesperson,
            rrule="FREQ=WEEKLY;COUNT=4",
            starts_at="2026-04-07T10:00:00+03:00",
            ends_at="2026-04-07T11:00:00+03:00",
        ),
        dict(
            kind="blackout",
            title_ar="حظر نشر",
            all_day=True,
            start_date="2026-04-14",
            end_date="2026-04-15",
            blocks=["social_post"],
            enforcement="refuse",
        ),
        dict(
            kind="blackout",
            title_ar="صمت إعلامي",
            all_day=True,
            start_date="2026-04-21",
            end_date="2026-04-21",
        ),
    ]
    for fields in held:
        entry = await create_entry(client, world, "agent@R", **fields)
        assert (await act(client, world, entry["id"], "submit", "agent@R")).status_code == 200
    drafts: list[dict[str, Any]] = [
        dict(
            kind="social_post",
            title_ar="منشور أسبوعي",
            channels=["x", "majlis"],
            audiences=["families"],
            rrule="FREQ=DAILY;COUNT=20",
            starts_at="2026-04-06T10:30:00+03:00",
            ends_at="2026-04-06T10:45:00+03:00",
        ),
        dict(
            kind="media_event",
            title_ar="لقاء تلفزيوني",
            spokesperson_id=spokesperson,
            audiences=["media"],
            starts_at="2026-04-14T10:30:00+03:00",
            ends_at="2026-04-14T12:00:00+03:00",
        ),
        dict(
            kind="media_event",
            title_ar="مقابلة مسائية",
            audiences=["media"],
            starts_at="2026-04-07T15:00:00+03:00",
            ends_at="2026-04-07T16:00:00+03:00",
        ),
        dict(
            kind="community_event",
            title_ar="فعالية العيد",
            all_day=True,
            start_date="2026-03-19",
            end_date="2026-04-22",
            audiences=["families"],
        ),
        dict(
            kind="blackout",
            title_ar="حظر آخر",
            all_day=True,
            start_date="2026-03-20",
            end_date="2026-04-08",
            blocks=["media_event"],
        ),
        dict(
            kind="social_post",
            title_ar="منشور بعيد",
            channels=["x"],
            starts_at="2026-05-06T10:30:00+03:00",
            ends_at="2026-05-06T10:45:00+03:00",
        ),
    ]

    def comparable(found: list[dict]) -> list[tuple]:
        rows = []
        for c in found:
            mine = {k: v for k, v in c["occurrence"].items() if k != "entry_id"}
            rows.append((c["reason"], sorted(mine.items()), c["other"], c["value"], c["refused"]))
        return sorted(rows, key=repr)

    reasons: list[set[str]] = []
    for body in drafts:
        check = await client.post(
            "/v1/calendar/conflicts/check", json=body, headers=world.auth("agent@A")
        )
        assert check.status_code == 200, check.text
        created = await create_entry(client, world, "agent@A", **body)
        assert comparable(check.json()["items"]) == comparable(created["conflicts"]), body
        reasons.append({c["reason"] for c in created["conflicts"]})
    # every reason is met somewhere; a blackout draft and the far post meet none
    assert set().union(*reasons) == {"channel", "audience", "spokesperson", "blackout", "occasion"}
    assert reasons[2] == {"audience"}  # the same day, not the same hours
    assert reasons[-2] == reasons[-1] == set()
