"""Entries and occurrences: create, read, range queries, recurrence, overrides."""

from __future__ import annotations

from datetime import date

from hijridate import Hijri

from tests.calendar.conftest import create_entry, problem, window


async def test_create_read_and_list_in_window(client, world):
    response = await client.post(
        "/v1/calendar/entries",
        json={
            "kind": "press_conference",
            "title_ar": "مؤتمر صحفي لإطلاق مبادرة أنسنة المدن",
            "starts_at": "2026-03-10T10:00:00+03:00",
            "ends_at": "2026-03-10T11:00:00+03:00",
            "channels": ["x", "majlis"],
            "audiences": ["media"],
        },
        headers=world.auth("agent@A"),
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert response.headers["location"] == f"/v1/calendar/entries/{entry['id']}"
    assert response.headers["etag"]
    assert entry["status"] == "draft"
    assert entry["version"] == 1
    assert entry["organization_id"] == str(world.orgs["A"])
    assert entry["timezone"] == "Asia/Riyadh"
    assert entry["hijri"] == {"start": "1447-09-21", "end": "1447-09-21"}
    assert entry["title_ar"] == "مؤتمر صحفي لإطلاق مبادرة أنسنة المدن"

    got = await client.get(f"/v1/calendar/entries/{entry['id']}", headers=world.auth("agent@A"))
    assert got.status_code == 200
    assert got.headers["etag"] == response.headers["etag"]

    items = await window(
        client, world, "agent@A", "2026-03-01T00:00:00+03:00", "2026-04-01T00:00:00+03:00"
    )
    assert [i["entry_id"] for i in items] == [entry["id"]]
    assert items[0]["hijri"]["start"] == "1447-09-21"
    assert items[0]["starts_at"] == "2026-03-10T10:00:00+03:00"
    outside = await window(
        client, world, "agent@A", "2026-04-01T00:00:00+03:00", "2026-05-01T00:00:00+03:00"
    )
    assert outside == []


async def test_drafts_are_not_seen_by_other_organizations(client, world):
    entry = await create_entry(client, world, "agent@A", visibility="sector")
    parent = await client.get(
        f"/v1/calendar/entries/{entry['id']}", headers=world.auth("org_admin@R")
    )
    problem(parent, 404, "not_found")
    sibling = await client.get(f"/v1/calendar/entries/{entry['id']}", headers=world.auth("agent@S"))
    problem(sibling, 404)
    items = await window(
        client, world, "org_admin@R", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
    )
    assert items == []


async def test_sector_scope_shows_shared_entries_of_the_tree(client, world):
    shared = await create_entry(client, world, "agent@A", visibility="sector")
    private = await create_entry(client, world, "agent@A", title_ar="داخلي")
    for entry in (shared, private):
        response = await client.post(
            f"/v1/calendar/entries/{entry['id']}/submit", headers=world.auth("agent@A")
        )
        assert response.status_code == 200, response.text
    start, end = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
    assert await window(client, world, "agent@S", start, end) == []
    sector = await window(client, world, "agent@S", start, end, scope="sector")
    assert [i["entry_id"] for i in sector] == [shared["id"]]
    # a sibling reads a shared entry, but may not change it
    got = await client.get(f"/v1/calendar/entries/{shared['id']}", headers=world.auth("agent@S"))
    assert got.status_code == 200
    changed = await client.patch(
        f"/v1/calendar/entries/{shared['id']}",
        json={"title_ar": "x"},
        headers=world.auth("agent@S"),
    )
    problem(changed, 404)


async def test_weekly_series_expands_inside_the_window_only(client, world):
    entry = await create_entry(
        client,
        world,
        kind="meeting",
        title_ar="المجلس الأسبوعي",
        starts_at="2026-01-04T19:00:00+03:00",
        ends_at="2026-01-04T21:00:00+03:00",
        rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=52",
        exdates=["20260111T160000Z"],
    )
    assert entry["occurrence_count"] == 51
    items = await window(
        client, world, "agent@A", "2026-01-01T00:00:00+03:00", "2026-02-01T00:00:00+03:00"
    )
    assert [i["starts_at"] for i in items] == [
        "2026-01-04T19:00:00+03:00",
        "2026-01-18T19:00:00+03:00",
        "2026-01-25T19:00:00+03:00",
    ]
    assert items[0]["recurrence_id"] == "20260104T160000Z"
    assert items[0]["hijri"]["start"] == "1447-07-15"


async def test_dst_keeps_the_wall_time(client, world):
    await create_entry(
        client,
        world,
        kind="meeting",
        starts_at="2026-03-01T09:00:00+01:00",
        ends_at="2026-03-01T10:00:00+01:00",
        timezone="Europe/Berlin",
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    items = await window(client, world, "agent@A", "2026-03-01T00:00:00Z", "2026-04-15T00:00:00Z")
    assert [i["starts_at"][11:] for i in items] == ["09:00:00+01:00"] * 4 + ["09:00:00+02:00"] * 2


async def test_hijri_yearly_rule_lands_on_umm_al_qura_dates(client, world):
    entry = await create_entry(
        client,
        world,
        kind="campaign_flight",
        title_ar="حملة رمضان",
        all_day=True,
        start_date="2026-02-18",
        end_date="2026-02-20",
        rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;COUNT=6",
    )
    assert entry["occurrence_count"] == 6
    items = await window(client, world, "agent@A", "2026-01-01T00:00:00Z", "2032-12-31T00:00:00Z")
    expected = [Hijri(year, 9, 1).to_gregorian() for year in range(1447, 1453)]
    assert [i["start_date"] for i in items] == [
        date(g.year, g.month, g.day).isoformat() for g in expected
    ]
    assert all(i["hijri"]["start"].endswith("-09-01") for i in items)
    assert [i["hijri"]["start"][:4] for i in items] == [str(y) for y in range(1447, 1453)]
    # three days each (inclusive)
    assert all(
        (date.fromisoformat(i["end_date"]) - date.fromisoformat(i["start_date"])).days == 2
        for i in items
    )


async def test_hijri_monthly_rule_skips_missing_30th(client, world):
    entry = await create_entry(
        client,
        world,
        kind="meeting",
        starts_at="2026-01-19T10:00:00+03:00",  # 30 Rajab 1447
        ends_at="2026-01-19T11:00:00+03:00",
        rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=MONTHLY;BYMONTHDAY=30;UNTIL=20270101T000000Z",
    )
    items = await window(client, world, "agent@A", "2026-01-01T00:00:00Z", "2027-01-02T00:00:00Z")
    assert items, entry
    for item in items:
        assert item["hijri"]["start"].endswith("-30")
    from services.calendar.domain.hijri import month_length

    months = [(y, m) for y in (1447, 1448) for m in range(1, 13)]
    thirty = [
        Hijri(y, m, 30).to_gregorian().isoformat()
        for y, m in months
        if month_length(y, m) == 30
        and "2026-01-19" <= Hijri(y, m, 30).to_gregorian().isoformat() < "2027-01-01"
    ]
    assert [i["starts_at"][:10] for i in items] == thirty


async def test_move_and_cancel_one_occurrence(client, world):
    entry = await create_entry(
        client,
        world,
        kind="meeting",
        starts_at="2026-01-04T19:00:00+03:00",
        ends_at="2026-01-04T21:00:00+03:00",
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    base = f"/v1/calendar/entries/{entry['id']}/occurrences"
    moved = await client.patch(
        f"{base}/20260111T160000Z",
        json={"starts_at": "2026-01-12T20:00:00+03:00", "ends_at": "2026-01-12T22:00:00+03:00"},
        headers=world.auth("agent@A"),
    )
    assert moved.status_code == 200, moved.text
    cancelled = await client.patch(
        f"{base}/2026-01-18T19:00:00%2B03:00",
        json={"cancelled": True},
        headers=world.auth("agent@A"),
    )
    assert cancelled.status_code == 200, cancelled.text
    items = await window(client, world, "agent@A", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    assert [(i["recurrence_id"], i["starts_at"], i["overridden"]) for i in items] == [
        ("20260104T160000Z", "2026-01-04T19:00:00+03:00", False),
        ("20260111T160000Z", "2026-01-12T20:00:00+03:00", True),
        ("20260125T160000Z", "2026-01-25T19:00:00+03:00", False),
    ]
    missing = await client.patch(
        f"{base}/20260105T160000Z", json={"cancelled": True}, headers=world.auth("agent@A")
    )
    problem(missing, 404)


async def test_this_and_following_splits_the_series(client, world):
    entry = await create_entry(
        client,
        world,
        kind="meeting",
        starts_at="2026-01-04T19:00:00+03:00",
        ends_at="2026-01-04T21:00:00+03:00",
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    response = await client.patch(
        f"/v1/calendar/entries/{entry['id']}/occurrences/20260118T160000Z?scope=following",
        json={"starts_at": "2026-01-18T18:00:00+03:00", "ends_at": "2026-01-18T20:00:00+03:00"},
        headers=world.auth("agent@A"),
    )
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["split_from_id"] == entry["id"]
    assert new["occurrence_count"] == 4
    items = await window(client, world, "agent@A", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z")
    assert [i["starts_at"][:16] for i in items] == [
        "2026-01-04T19:00",
        "2026-01-11T19:00",
        "2026-01-18T18:00",
        "2026-01-25T18:00",
        "2026-02-01T18:00",
        "2026-02-08T18:00",
    ]


async def test_search_and_filters(client, world):
    await create_entry(
        client, world, title_ar="إطلاق حملة النظافة", channels=["x"], audiences=["youth"]
    )
    await create_entry(client, world, title_ar="اجتماع تنسيقي", kind="meeting")
    start, end = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
    # hamza and teh marbuta variants match
    found = await window(client, world, "agent@A", start, end, q="اطلاق حمله")
    assert [i["title_ar"] for i in found] == ["إطلاق حملة النظافة"]
    assert len(await window(client, world, "agent@A", start, end, kind="meeting")) == 1
    assert len(await window(client, world, "agent@A", start, end, channel="x")) == 1
    channel_id = str(world.channels["x@R"])
    assert len(await window(client, world, "agent@A", start, end, channel=channel_id)) == 1
    assert len(await window(client, world, "agent@A", start, end, audience="youth")) == 1
    assert len(await window(client, world, "agent@A", start, end, status="approved")) == 0


async def test_keyset_pages(client, world):
    await create_entry(
        client,
        world,
        kind="meeting",
        rrule="FREQ=DAILY;COUNT=7",
        starts_at="2026-03-01T10:00:00+03:00",
        ends_at="2026-03-01T11:00:00+03:00",
    )
    seen, cursor = [], None
    while True:
        params = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(
            "/v1/calendar/entries", params=params, headers=world.auth("agent@A")
        )
        body = response.json()
        seen += [i["recurrence_id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and seen == sorted(seen)


async def test_window_pages_include_what_runs_across_its_start(client, world):
    # a week-long all-day entry that started before the window and a timed one that
    # ends after its start are read with those starting inside it, in start order, on
    # every page size; one that ended before the window is not
    await create_entry(
        client,
        world,
        kind="community_event",
        title_ar="أسبوع النظافة",
        all_day=True,
        start_date="2026-02-25",
        end_date="2026-03-03",
    )
    await create_entry(
        client,
        world,
        kind="media_event",
        title_ar="بث مباشر",
        starts_at="2026-02-28T22:00:00Z",
        ends_at="2026-03-01T01:00:00Z",
    )
    await create_entry(
        client,
        world,
        kind="media_event",
        title_ar="انتهى قبل النافذة",
        starts_at="2026-02-28T20:00:00Z",
        ends_at="2026-03-01T00:00:00Z",
    )
    await create_entry(
        client,
        world,
        kind="meeting",
        rrule="FREQ=DAILY;COUNT=4",
        starts_at="2026-03-01T00:00:00Z",
        ends_at="2026-03-01T01:00:00Z",
    )
    window_params = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    expected = ["أسبوع النظافة", "بث مباشر", *["مؤتمر صحفي لإطلاق مبادرة"] * 2]
    for limit in (1, 2, 3, 50):
        seen, cursor = [], None
        while True:
            params = {**window_params, "limit": limit, **({"cursor": cursor} if cursor else {})}
            response = await client.get(
                "/v1/calendar/entries", params=params, headers=world.auth("agent@A")
            )
            assert response.status_code == 200, response.text
            seen += response.json()["items"]
            cursor = response.json()["next_cursor"]
            if not cursor:
                break
        assert [i["title_ar"] for i in seen] == expected, limit
        starts = [i["starts_at"] for i in seen]
        assert len({(i["entry_id"], i["recurrence_id"]) for i in seen}) == len(seen)
        assert starts[0] < starts[1] < starts[2] < starts[3]


async def test_idempotent_create(client, world):
    body = {
        "kind": "social_post",
        "title_ar": "منشور",
        "starts_at": "2026-03-10T10:00:00+03:00",
        "ends_at": "2026-03-10T10:15:00+03:00",
    }
    headers = {**world.auth("agent@A"), "Idempotency-Key": "abc-1"}
    first = await client.post("/v1/calendar/entries", json=body, headers=headers)
    second = await client.post("/v1/calendar/entries", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    other = await client.post(
        "/v1/calendar/entries", json={**body, "title_ar": "آخر"}, headers=headers
    )
    problem(other, 409, "idempotency_key_reused")


async def test_if_match(client, world):
    entry = await create_entry(client, world)
    url = f"/v1/calendar/entries/{entry['id']}"
    stale = await client.patch(
        url, json={"title_ar": "جديد"}, headers={**world.auth("agent@A"), "If-Match": '"nope"'}
    )
    problem(stale, 412)
    current = (await client.get(url, headers=world.auth("agent@A"))).headers["etag"]
    ok = await client.patch(
        url, json={"title_ar": "جديد"}, headers={**world.auth("agent@A"), "If-Match": current}
    )
    assert ok.status_code == 200
    assert ok.json()["title_ar"] == "جديد"
    deleted = await client.delete(url, headers=world.auth("agent@A"))
    assert deleted.json()["status"] == "cancelled"
    again = await client.patch(url, json={"title_ar": "x"}, headers=world.auth("agent@A"))
    problem(again, 409, "invalid_state")
