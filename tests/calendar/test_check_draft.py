"""The dry-run conflict check builds its draft without the session (two statements on the
read pool) and encodes its answer without the response model: it must accept and refuse
exactly what a create accepts and refuses, with the same problem, store nothing either
way, and answer what `ConflictList` would encode, byte for byte."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic_core import to_json

from services.calendar.schemas.conflicts import ConflictList
from tests.calendar.conftest import act, create_entry, window

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


async def test_the_answer_is_the_response_models_encoding(client, world):
    held: list[dict[str, Any]] = [
        dict(BASE, title_ar="منشور الأمانة على إكس", audiences=["media", "youth"]),
        dict(
            kind="blackout",
            title_ar="صمت إعلامي",
            all_day=True,
            start_date="2026-04-07",
            end_date="2026-04-07",
            blocks=["social_post"],
            enforcement="refuse",
        ),
    ]
    for fields in held:
        entry = await create_entry(client, world, "agent@R", **fields)
        assert (await act(client, world, entry["id"], "submit", "agent@R")).status_code == 200
    body = {
        **BASE,
        "rrule": "FREQ=DAILY;COUNT=3",
        "starts_at": "2026-03-19T10:30:00+03:00",  # Eid al-Fitr 1447 starts 2026-03-20
        "ends_at": "2026-03-19T10:45:00+03:00",
        "exdates": [],
    }
    answers = []
    for fields in (
        {},
        {"starts_at": "2026-04-06T10:30:00+03:00", "ends_at": "2026-04-06T10:45:00+03:00"},
    ):
        check = await client.post(
            "/v1/calendar/conflicts/check", json={**body, **fields}, headers=world.auth("agent@A")
        )
        assert check.status_code == 200, check.text
        assert check.headers["content-type"] == "application/json"
        encoded = to_json(ConflictList.model_validate(check.json()).model_dump(mode="json"))
        assert check.content == encoded
        answers.append(check.json()["items"])
    eid, april = answers
    assert [(c["reason"], c["value"], c["other"]) for c in eid] == [
        ("occasion", "عيد الفطر", None),
        ("occasion", "عيد الفطر", None),
    ]
    assert {c["reason"] for c in april} == {"channel", "audience", "blackout"}
    refused = next(c for c in april if c["reason"] == "blackout")
    assert refused["refused"] is True
    assert refused["other"]["title_ar"] == "صمت إعلامي"
    channel = next(c for c in april if c["reason"] == "channel")
    assert channel["value"] == str(world.channels["x@R"])
    assert channel["occurrence"]["starts_at"] == "2026-04-07T07:30:00Z"
    assert channel["other"]["organization_id"] == str(world.orgs["R"])


async def test_a_draft_with_an_external_id_is_checked_by_writing_it_and_rolled_back(client, world):
    external = {"external_source": "crm", "external_id": "post-77"}
    held = await create_entry(client, world, "agent@R", **BASE, **external)
    assert (await act(client, world, held["id"], "submit", "agent@R")).status_code == 200
    # the same external id: refused as its create is
    body = {**BASE, **external}
    check = await client.post(
        "/v1/calendar/conflicts/check", json=body, headers=world.auth("agent@A")
    )
    create = await client.post("/v1/calendar/entries", json=body, headers=world.auth("agent@A"))
    assert check.status_code == create.status_code == 409, check.text
    assert comparable(check.json()) == comparable(create.json())
    # a new one: its conflicts, as a draft without it finds them; nothing kept
    fresh = {**BASE, "external_source": "crm", "external_id": "post-78"}
    written = await client.post(
        "/v1/calendar/conflicts/check", json=fresh, headers=world.auth("agent@A")
    )
    plain = await client.post(
        "/v1/calendar/conflicts/check", json=BASE, headers=world.auth("agent@A")
    )
    assert written.status_code == plain.status_code == 200, written.text

    def without_draft_id(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(
            (c["reason"], c["occurrence"]["starts_at"], c["other"]["entry_id"], c["value"])
            for c in items
        )

    assert without_draft_id(written.json()["items"]) == without_draft_id(plain.json()["items"])
    assert {c["reason"] for c in written.json()["items"]} == {"channel", "audience"}
    assert written.content == to_json(
        ConflictList.model_validate(written.json()).model_dump(mode="json")
    )
    stored = await window(
        client, world, "org_admin@M", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"
    )
    assert [i["entry_id"] for i in stored] == [held["id"]]
    assert (
        await client.post("/v1/calendar/entries", json=fresh, headers=world.auth("agent@A"))
    ).status_code == 201
