"""The dry-run conflict check builds its draft without the session (two statements on the
read pool): it must accept and refuse exactly what a create accepts and refuses, with the
same problem, and store nothing either way."""

from __future__ import annotations

import uuid
from typing import Any

from tests.calendar.conftest import window

BASE: dict[str, Any] = {
    "kind": "social_post",
    "title_ar": "منشور توعوي عن النظافة",
    "starts_at": "2026-04-07T10:30:00+03:00",
    "ends_at": "2026-04-07T10:45:00+03:00",
    "channels": ["x"],
    "audiences": ["media"],
}


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "instance"}


async def test_the_check_refuses_what_a_create_refuses(client, world):
    cases: list[tuple[str, dict[str, Any], int]] = [
        # a sibling's organization is not the caller's to see
        ("agent@A", {"organization_id": str(world.orgs["S"])}, 404),
        ("agent@A", {"organization_id": str(uuid.uuid4())}, 404),
        ("agent@A", {"spokesperson_id": str(uuid.uuid4())}, 404),
        ("agent@A", {"channels": ["x", "tiktok"]}, 422),
        ("agent@A", {"channels": [str(uuid.uuid4())]}, 422),
        ("agent@A", {"rrule": "FREQ=SOMETIMES"}, 422),
        ("agent@A", {"exdates": ["not a date"]}, 422),
        ("agent@A", {"timezone": "Mars/Olympus"}, 422),
        # a sector admin and a machine client name their organization
        ("admin", {}, 422),
        ("admin", {"organization_id": str(uuid.uuid4())}, 404),
        ("client@A:calendar:read,calendar:write", {"organization_id": str(world.orgs["R"])}, 404),
    ]
    for who, fields, status in cases:
        body = {**BASE, **fields}
        check = await client.post(
            "/v1/calendar/conflicts/check", json=body, headers=world.auth(who)
        )
        create = await client.post("/v1/calendar/entries", json=body, headers=world.auth(who))
        assert create.status_code == status, (who, fields, create.text)
        assert check.status_code == status, (who, fields, check.text)
        assert comparable(check.json()) == comparable(create.json()), (who, fields)
    assert (
        await window(client, world, "org_admin@M", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
        == []
    )


async def test_the_check_accepts_what_a_create_accepts(client, world):
    spokesperson = str(world.users["spokesperson@R"])
    cases: list[tuple[str, dict[str, Any]]] = [
        ("agent@A", {}),
        ("agent@A", {"channels": ["majlis", "x"], "spokesperson_id": spokesperson}),
        ("agent@A", {"channels": [str(world.channels["tv@M"])], "timezone": "Asia/Bahrain"}),
        ("org_admin@R", {"organization_id": str(world.orgs["A"])}),
        ("admin", {"organization_id": str(world.orgs["S"])}),
        ("client@R:calendar:read", {"organization_id": str(world.orgs["A"])}),
    ]
    for who, fields in cases:
        check = await client.post(
            "/v1/calendar/conflicts/check", json={**BASE, **fields}, headers=world.auth(who)
        )
        assert check.status_code == 200, (who, fields, check.text)
        assert check.json() == {"items": []}
    assert (
        await window(client, world, "org_admin@M", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
        == []
    )
