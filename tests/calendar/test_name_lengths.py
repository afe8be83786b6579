"""Names longer than their columns are refused at the edge (422), never a 500 from the
database: found by schemathesis's coverage phase (a 301–500 character name passed the API,
documented with maxLength 500, and failed on varchar(300))."""

from __future__ import annotations

from tests.calendar.conftest import problem


def _policy(world, name: str) -> dict:
    return {
        "organization_id": str(world.orgs["R"]),
        "name_ar": name,
        "kinds": ["press_conference"],
        "steps": [{"level": "own", "roles": ["unit_head", "org_admin"]}],
    }


def _occasion(name: str, code: str) -> dict:
    return {
        "calendar": "gregorian",
        "code": code,
        "month": 3,
        "day": 11,
        "duration_days": 1,
        "day_off": False,
        "name_ar": "يوم العلم",
        "name_en": name,
    }


async def test_names_are_held_to_their_columns(client, world):
    admin = world.auth("org_admin@R")
    too_long, longest = "ا" * 301, "ا" * 300
    answer = await client.post(
        "/v1/calendar/approval-policies", json=_policy(world, too_long), headers=admin
    )
    assert {e["field"] for e in problem(answer, 422)["errors"]} == {"name_ar"}
    answer = await client.post(
        "/v1/calendar/approval-policies", json=_policy(world, longest), headers=admin
    )
    assert answer.status_code == 201, answer.text

    answer = await client.post(
        "/v1/calendar/occasions", json=_occasion("F" * 301, "flag-day-long"), headers=admin
    )
    assert {e["field"] for e in problem(answer, 422)["errors"]} == {"name_en"}
    answer = await client.post(
        "/v1/calendar/occasions", json=_occasion("F" * 300, "flag-day-long"), headers=admin
    )
    assert answer.status_code == 201, answer.text
    patched = await client.patch(
        f"/v1/calendar/occasions/{answer.json()['id']}", json={"name_en": "F" * 301}, headers=admin
    )
    assert {e["field"] for e in problem(patched, 422)["errors"]} == {"name_en"}
