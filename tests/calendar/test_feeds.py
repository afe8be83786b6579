"""iCalendar feeds: parsed with `icalendar`, expanded with `recurring-ical-events` to the
same occurrences as the API's range query; tokens, ETag/304, revocation."""

from __future__ import annotations

from datetime import date, datetime

import icalendar
import recurring_ical_events

from tests.calendar.conftest import act, create_entry, problem, window


def _key(start) -> str:
    if isinstance(start, datetime):
        return start.astimezone(__import__("datetime").UTC).strftime("%Y-%m-%dT%H:%M")
    return start.isoformat()


async def test_feed_expands_to_the_range_query(client, world):
    entries = [
        await create_entry(
            client,
            world,
            kind="meeting",
            title_ar="المجلس الأسبوعي",
            starts_at="2026-01-04T19:00:00+03:00",
            ends_at="2026-01-04T21:00:00+03:00",
            rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=30",
            exdates=["20260111T160000Z"],
        ),
        await create_entry(
            client,
            world,
            kind="campaign_flight",
            title_ar="حملة رمضان",
            all_day=True,
            start_date="2026-02-18",
            end_date="2026-02-20",
            rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;COUNT=3",
        ),
        await create_entry(client, world, title_ar="مؤتمر صحفي"),
        await create_entry(
            client,
            world,
            kind="meeting",
            title_ar="اجتماع شهري",
            starts_at="2026-03-01T09:00:00+01:00",
            ends_at="2026-03-01T10:00:00+01:00",
            timezone="Europe/Berlin",
            rrule="FREQ=MONTHLY;COUNT=12",
        ),
    ]
    moved = await client.patch(
        f"/v1/calendar/entries/{entries[0]['id']}/occurrences/20260118T160000Z",
        json={"starts_at": "2026-01-19T20:00:00+03:00", "ends_at": "2026-01-19T22:00:00+03:00"},
        headers=world.auth("agent@A"),
    )
    assert moved.status_code == 200
    await client.patch(
        f"/v1/calendar/entries/{entries[0]['id']}/occurrences/20260125T160000Z",
        json={"cancelled": True},
        headers=world.auth("agent@A"),
    )
    for entry in entries:
        assert (await act(client, world, entry["id"], "submit", "agent@A")).status_code == 200
    created = await client.post(
        "/v1/calendar/feeds",
        json={"organization_id": str(world.orgs["A"]), "scope": "own", "name": "روزنامة البلدية"},
        headers=world.auth("agent@A"),
    )
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    assert url.startswith("http://testserver/v1/calendar/feeds/") and url.endswith(".ics")
    path = url.removeprefix("http://testserver")
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["NAME"]) == "روزنامة البلدية"
    assert "REFRESH-INTERVAL" in calendar
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} >= {
        "Asia/Riyadh",
        "Europe/Berlin",
    }
    masters = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert {str(e["STATUS"]) for e in masters} == {"TENTATIVE"}
    hijri = next(e for e in masters if "X-GOVHUB-RSCALE-RRULE" in e)
    assert "RRULE" not in hijri and "RDATE" in hijri

    start, end = datetime(2026, 1, 1), datetime(2027, 1, 1)
    expanded = recurring_ical_events.of(calendar).between(start, end)
    from_feed = sorted((str(e["UID"]).split("@")[0], _key(e["DTSTART"].dt)) for e in expanded)
    items = await window(
        client, world, "agent@A", "2026-01-01T00:00:00+03:00", "2027-01-01T00:00:00+03:00"
    )
    from_api = sorted(
        (
            i["entry_id"],
            i["start_date"] if i["all_day"] else _key(datetime.fromisoformat(i["starts_at"])),
        )
        for i in items
    )
    assert from_feed == from_api
    assert len(from_api) > 30

    tag = response.headers["etag"]
    not_modified = await client.get(path, headers={"If-None-Match": tag})
    assert not_modified.status_code == 304
    await client.patch(
        f"/v1/calendar/entries/{entries[2]['id']}",
        json={"title_ar": "مؤتمر صحفي معدل"},
        headers=world.auth("agent@A"),
    )
    changed = await client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200

    feeds = await client.get("/v1/calendar/feeds", headers=world.auth("agent@A"))
    [listed] = feeds.json()["items"]
    assert listed["url"] is None
    revoked = await client.delete(
        f"/v1/calendar/feeds/{listed['id']}", headers=world.auth("agent@A")
    )
    assert revoked.status_code == 200
    problem(await client.get(path), 404)
    problem(await client.get("/v1/calendar/feeds/not-a-token.ics"), 404)
    # a feed's URL is read-only: its Allow never offers the revoke of a feed id
    options = await client.options(path)
    assert options.status_code == 405 and options.headers["allow"] == "GET"


async def test_drafts_never_reach_feeds(client, world):
    await create_entry(client, world, title_ar="مسودة")
    created = await client.post(
        "/v1/calendar/feeds",
        json={"organization_id": str(world.orgs["A"]), "scope": "subtree"},
        headers=world.auth("agent@A"),
    )
    path = created.json()["url"].removeprefix("http://testserver")
    calendar = icalendar.Calendar.from_ical((await client.get(path)).content)
    assert calendar.walk("VEVENT") == []
    assert date.today()
