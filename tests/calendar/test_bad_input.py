"""Bad input gets a 4xx problem and changes nothing."""

from __future__ import annotations

import pytest

from tests.calendar.conftest import problem, window

BASE = {
    "kind": "meeting",
    "title_ar": "اجتماع",
    "starts_at": "2026-03-10T10:00:00+03:00",
    "ends_at": "2026-03-10T11:00:00+03:00",
}

CASES = [
    ({"ends_at": "2026-03-10T09:00:00+03:00"}, 422),
    ({"rrule": "FREQ=SOMETIMES;COUNT=3"}, 422),
    ({"rrule": "this is not a rule"}, 422),
    ({"rrule": "FREQ=DAILY"}, 422),  # unbounded
    ({"rrule": "FREQ=YEARLY;UNTIL=20400101T000000Z"}, 422),  # beyond ten years
    ({"rrule": "FREQ=DAILY;COUNT=5000"}, 422),
    ({"rrule": "RSCALE=ISLAMIC-UMALQURA;FREQ=WEEKLY;COUNT=3"}, 422),
    ({"rrule": "RSCALE=HEBREW;FREQ=YEARLY;COUNT=3"}, 422),
    ({"channels": ["carrier_pigeon"]}, 422),
    ({"channels": ["00000000-0000-0000-0000-000000000000"]}, 422),
    ({"timezone": "Mars/Olympus"}, 422),
    ({"title_ar": "اجتماع\u0000"}, 422),
    ({"kind": "party"}, 422),
    ({"all_day": True}, 422),
    ({"starts_at": "2026-03-10T10:00:00"}, 422),  # no offset
    ({"organization_id": "00000000-0000-0000-0000-000000000000"}, 404),
    ({"external_id": "x-1"}, 422),
    ({"starts_at": "9999-12-31T10:00:00+03:00", "ends_at": "9999-12-31T11:00:00+03:00"}, 422),
    ({"exdates": ["0001-01-01T00:00:00+14:00"]}, 422),
]


async def test_a_series_from_a_leap_day(client, world):
    response = await client.post(
        "/v1/calendar/entries",
        json={
            **BASE,
            "starts_at": "2028-02-29T10:00:00+03:00",
            "ends_at": "2028-02-29T11:00:00+03:00",
            "rrule": "FREQ=YEARLY;COUNT=3",
        },
        headers=world.auth("agent@A"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["occurrence_count"] == 3


@pytest.mark.parametrize(("fields", "status"), CASES)
async def test_bad_entries_are_refused(client, world, fields, status):
    response = await client.post(
        "/v1/calendar/entries", json={**BASE, **fields}, headers=world.auth("agent@A")
    )
    problem(response, status)
    assert (
        await window(client, world, "agent@A", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z") == []
    )


async def test_channel_of_sibling_is_unknown(client, world):
    response = await client.post(
        "/v1/calendar/entries",
        json={**BASE, "channels": [str(world.channels["x@S"])]},
        headers=world.auth("agent@A"),
    )
    body = problem(response, 422)
    assert body["errors"][0]["field"] == "channels.0"


async def test_bad_windows(client, world):
    for params in (
        {"from": "2026-03-10T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
        {"from": "2020-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"},
        {"from": "2026-03-10T00:00:00Z"},
    ):
        response = await client.get(
            "/v1/calendar/entries", params=params, headers=world.auth("agent@A")
        )
        problem(response, 422)


async def test_anonymous_and_unscoped(client, world):
    problem(
        await client.get("/v1/calendar/entries?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"),
        401,
    )
    reader = world.auth("client@A:calendar:read")
    problem(await client.post("/v1/calendar/entries", json=BASE, headers=reader), 403)
