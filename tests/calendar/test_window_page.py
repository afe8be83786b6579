"""The window's page without `q`: one statement compiled once per shape of the filters,
its rows encoded without the response model (`service.occurrences.occurrence_out`).
What it answers must be what `SearchPage[OccurrenceHit]` would encode, byte for byte,
and every filter must narrow it as before."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hijridate import Gregorian
from pydantic_core import to_json

from services.calendar.schemas.entries import OccurrenceHit
from services.common.search import SearchPage
from tests.calendar.conftest import act, create_entry, problem, window

START, END = "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"


def model_encoding(body: dict[str, Any]) -> bytes:
    """The page as the response model validates and encodes it (`highlights` and
    `corrected_q` left out, as the route does when there are none)."""
    page = SearchPage[OccurrenceHit].model_validate(body)
    dumped = page.model_dump(
        mode="json", exclude={"items": {"__all__": {"highlights"}}, "corrected_q": True}
    )
    return to_json(dumped)


def hijri_day(value: str, tz: str) -> str:
    day = datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).date()
    return str(Gregorian(day.year, day.month, day.day).to_hijri().isoformat())


async def test_the_page_is_the_response_models_encoding(client, world):
    campaign = str(uuid.uuid4())
    timed = await create_entry(
        client,
        world,
        title_ar="مؤتمر صحفي لإطلاق مبادرة أنسنة المدن",
        title_en="Humanizing cities: press conference",
        location="قاعة الأمانة — الرياض",
        starts_at="2026-03-10T22:30:00+03:00",  # ends on the next local day
        ends_at="2026-03-11T00:30:00+03:00",
        channels=["x", "majlis"],
        audiences=["media", "citizens"],
        spokesperson_id=str(world.users["spokesperson@R"]),
        campaign_id=campaign,
    )
    all_day = await create_entry(
        client,
        world,
        kind="community_event",
        title_ar="أسبوع النظافة",
        all_day=True,
        start_date="2026-02-25",
        end_date="2026-03-03",
    )
    hijri_monthly = await create_entry(
        client,
        world,
        kind="meeting",
        title_ar="اجتماع منتصف الشهر الهجري",
        starts_at="2026-01-04T10:00:00+03:00",  # 15 Rajab 1447
        ends_at="2026-01-04T11:00:00+03:00",
        rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=MONTHLY;COUNT=3",
    )
    weekly = await create_entry(
        client,
        world,
        kind="meeting",
        title_ar="المجلس الأسبوعي",
        starts_at="2026-01-04T19:00:00+03:00",
        ends_at="2026-01-04T21:00:00+03:00",
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    base = f"/v1/calendar/entries/{weekly['id']}/occurrences"
    moved = await client.patch(
        f"{base}/20260111T160000Z",
        json={"starts_at": "2026-01-12T20:00:00+03:00", "ends_at": "2026-01-12T22:00:00+03:00"},
        headers=world.auth("agent@A"),
    )
    assert moved.status_code == 200, moved.text
    cancelled = await client.patch(
        f"{base}/20260118T160000Z", json={"cancelled": True}, headers=world.auth("agent@A")
    )
    assert cancelled.status_code == 200, cancelled.text
    berlin = await create_entry(
        client,
        world,
        kind="publication",
        title_ar="نشرة أوروبية",
        starts_at="2026-03-27T09:00:00+01:00",
        ends_at="2026-03-27T10:00:00+01:00",
        timezone="Europe/Berlin",
        rrule="FREQ=DAILY;COUNT=3",  # across the change to summer time
    )

    for limit in (2, 500):
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"from": START, "to": END, "limit": limit}
            if cursor:
                params["cursor"] = cursor
            response = await client.get(
                "/v1/calendar/entries", params=params, headers=world.auth("agent@A")
            )
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/json"
            assert response.content == model_encoding(response.json())
            items += response.json()["items"]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break
        by_entry: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_entry.setdefault(item["entry_id"], []).append(item)
        starts = [datetime.fromisoformat(i["starts_at"]) for i in items]
        assert starts == sorted(starts)

        (one,) = by_entry[timed["id"]]
        assert one == {
            "entry_id": timed["id"],
            "recurrence_id": "20260310T193000Z",
            "organization_id": str(world.orgs["A"]),
            "kind": "press_conference",
            "title_ar": "مؤتمر صحفي لإطلاق مبادرة أنسنة المدن",
            "title_en": "Humanizing cities: press conference",
            "status": "draft",
            "all_day": False,
            "starts_at": "2026-03-10T22:30:00+03:00",
            "ends_at": "2026-03-11T00:30:00+03:00",
            "start_date": None,
            "end_date": None,
            "timezone": "Asia/Riyadh",
            "hijri": {"start": "1447-09-21", "end": "1447-09-22"},
            "channels": [str(world.channels["x@R"]), str(world.channels["majlis@A"])],
            "audiences": ["media", "citizens"],
            "visibility": "organization",
            "spokesperson_id": str(world.users["spokesperson@R"]),
            "campaign_id": campaign,
            "location": "قاعة الأمانة — الرياض",
            "overridden": False,
        }
        (week,) = by_entry[all_day["id"]]
        assert (week["all_day"], week["start_date"], week["end_date"]) == (
            True,
            "2026-02-25",
            "2026-03-03",
        )
        assert week["hijri"] == {
            "start": Gregorian(2026, 2, 25).to_hijri().isoformat(),
            "end": Gregorian(2026, 3, 3).to_hijri().isoformat(),
        }
        assert [i["hijri"]["start"][5:] for i in by_entry[hijri_monthly["id"]]] == [
            "07-15",
            "08-15",
            "09-15",
        ]
        assert [(i["starts_at"], i["overridden"]) for i in by_entry[weekly["id"]]] == [
            ("2026-01-04T19:00:00+03:00", False),
            ("2026-01-12T20:00:00+03:00", True),
            ("2026-01-25T19:00:00+03:00", False),
        ]
        assert [i["starts_at"] for i in by_entry[berlin["id"]]] == [
            "2026-03-27T09:00:00+01:00",
            "2026-03-28T09:00:00+01:00",
            "2026-03-29T09:00:00+02:00",
        ]
        for item in items:
            if not item["all_day"]:
                assert item["hijri"]["start"] == hijri_day(item["starts_at"], item["timezone"])
        assert len(items) == 1 + 1 + 3 + 3 + 3


async def test_every_filter_narrows_the_page(client, world):
    campaign = str(uuid.uuid4())
    a_meeting = await create_entry(client, world, "agent@A", kind="meeting", visibility="sector")
    a_flight = await create_entry(
        client, world, "agent@A", kind="publication", campaign_id=campaign, audiences=["youth"]
    )
    r_post = await create_entry(
        client, world, "agent@R", kind="social_post", channels=["whatsapp"], visibility="sector"
    )
    s_post = await create_entry(
        client, world, "agent@S", kind="social_post", channels=["x"], visibility="sector"
    )
    a_draft = await create_entry(client, world, "agent@A", title_ar="مسودة", visibility="sector")
    for entry, who in ((a_meeting, "agent@A"), (a_flight, "agent@A"), (r_post, "agent@R")):
        assert (await act(client, world, entry["id"], "submit", who)).status_code == 200
    assert (await act(client, world, s_post["id"], "submit", "agent@S")).status_code == 200
    start, end = "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"

    async def ids(who: str, **params: Any) -> set[str]:
        return {i["entry_id"] for i in await window(client, world, who, start, end, **params)}

    mine = {a_meeting["id"], a_flight["id"], a_draft["id"]}
    assert await ids("agent@A") == mine
    # a parent reads its subtree, not the children's drafts
    assert await ids("org_admin@R") == {a_meeting["id"], a_flight["id"], r_post["id"]}
    assert await ids("org_admin@R", organization_id=str(world.orgs["A"])) == {
        a_meeting["id"],
        a_flight["id"],
    }
    outside = await client.get(
        "/v1/calendar/entries",
        params={"from": start, "to": end, "organization_id": str(world.orgs["S"])},
        headers=world.auth("agent@A"),
    )
    problem(outside, 404)
    assert await ids("agent@A", kind=["meeting", "publication"]) == {
        a_meeting["id"],
        a_flight["id"],
    }
    assert await ids("agent@A", status=["draft"]) == {a_draft["id"]}
    assert await ids("agent@A", status=["pending", "draft"]) == mine
    assert await ids("agent@A", campaign_id=campaign) == {a_flight["id"]}
    assert await ids("agent@A", audience="youth") == {a_flight["id"]}
    assert await ids("org_admin@R", channel="whatsapp") == {r_post["id"]}
    assert await ids("org_admin@R", channel=str(world.channels["whatsapp@R"])) == {r_post["id"]}
    assert await ids("org_admin@R", channel=str(uuid.uuid4())) == set()
    # the ministry tree's shared entries, drafts excepted; the reader's own subtree still
    assert await ids("agent@S", scope="sector") == {a_meeting["id"], r_post["id"], s_post["id"]}
    assert await ids("agent@S", scope="sector", kind="social_post") == {
        r_post["id"],
        s_post["id"],
    }
    # a sector admin of no organization reads everything but drafts; so does the ministry
    everything = {a_meeting["id"], a_flight["id"], r_post["id"], s_post["id"]}
    assert await ids("admin") == everything
    assert await ids("admin", scope="sector") == everything
    assert await ids("org_admin@M") == everything
    # a machine client reads its organization's subtree
    assert await ids("client@R:calendar:read") == {a_meeting["id"], a_flight["id"], r_post["id"]}
