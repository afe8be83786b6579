"""Approvals: policies, steps by level and roles, the decision matrix, self-approval,
re-approval after a change, awaiting=me, events."""

from __future__ import annotations

import asyncpg
import pytest

from services.common.embedded import to_plain_url
from tests.calendar.conftest import act, create_entry, problem


async def events(settings, entry_id: str) -> list[str]:
    conn = await asyncpg.connect(to_plain_url(settings.database_url))
    try:
        rows = await conn.fetch(
            "SELECT event_type FROM common_outbox WHERE aggregate_id = $1 ORDER BY created_at",
            __import__("uuid").UUID(entry_id),
        )
    finally:
        await conn.close()
    return [r["event_type"] for r in rows]


async def test_default_policy_own_head_approves(client, world, settings):
    entry = await create_entry(client, world, "agent@A")
    submitted = await act(client, world, entry["id"], "submit", "agent@A")
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "pending"
    [step] = body["approval"]["steps"]
    assert (step["level"], step["status"], step["organization_id"]) == (
        "own",
        "waiting",
        str(world.orgs["A"]),
    )
    approved = await act(client, world, entry["id"], "approve", "unit_head@A", comment="موافق")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    history = approved.json()["approval"]["history"]
    assert [h["action"] for h in history] == ["create", "submit", "approve"]
    assert history[-1]["comment"] == "موافق"
    assert history[-1]["actor_id"] == str(world.users["unit_head@A"])
    assert await events(settings, entry["id"]) == [
        "calendar.entry.submitted",
        "calendar.entry.approved",
    ]


# who decides the one `own` step of an entry of A, written by agent@A
MATRIX = [
    ("agent@A", 403, "forbidden"),  # no calendar:approve
    ("unit_head@A", 200, None),
    ("org_admin@A", 200, None),
    ("org_admin@R", 403, "not_your_step"),  # parent: not its step
    ("org_admin@S", 404, "not_found"),  # sibling: does not see it
    ("admin", 200, None),  # sector_admin decides any step
    ("client@A:calendar:write", 403, "forbidden"),  # machine client
]


@pytest.mark.parametrize(("who", "status", "code"), MATRIX)
async def test_approval_matrix(client, world, who, status, code):
    entry = await create_entry(client, world, "agent@A")
    assert (await act(client, world, entry["id"], "submit", "agent@A")).status_code == 200
    response = await act(client, world, entry["id"], "approve", who)
    if status == 200:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "approved"
    else:
        problem(response, status, code)


async def test_child_cannot_see_parent_entries(client, world):
    entry = await create_entry(client, world, "agent@R")
    assert (await act(client, world, entry["id"], "submit", "agent@R")).status_code == 200
    problem(await act(client, world, entry["id"], "approve", "unit_head@A"), 404)


async def test_self_approval_is_refused(client, world):
    entry = await create_entry(client, world, "unit_head@A")
    assert (await act(client, world, entry["id"], "submit", "unit_head@A")).status_code == 200
    problem(await act(client, world, entry["id"], "approve", "unit_head@A"), 403, "self_approval")
    # the last editor neither
    other = await create_entry(client, world, "agent@A")
    await client.patch(
        f"/v1/calendar/entries/{other['id']}",
        json={"title_ar": "معدل"},
        headers=world.auth("org_admin@A"),
    )
    assert (await act(client, world, other["id"], "submit", "agent@A")).status_code == 200
    problem(await act(client, world, other["id"], "approve", "org_admin@A"), 403, "self_approval")
    assert (await act(client, world, other["id"], "approve", "unit_head@A")).status_code == 200


async def test_policy_with_parent_step(client, world):
    policy = await client.post(
        "/v1/calendar/approval-policies",
        json={
            "organization_id": str(world.orgs["R"]),
            "name_ar": "المؤتمرات الصحفية تعتمدها الأمانة",
            "kinds": ["press_conference"],
            "steps": [
                {"level": "own", "roles": ["unit_head", "org_admin"]},
                {"level": "parent", "roles": ["org_admin"]},
            ],
        },
        headers=world.auth("org_admin@R"),
    )
    assert policy.status_code == 201, policy.text
    entry = await create_entry(client, world, "agent@A")
    await act(client, world, entry["id"], "submit", "agent@A")
    # the amanah's admin waits for the municipality's head first
    problem(await act(client, world, entry["id"], "approve", "org_admin@R"), 403, "not_your_step")
    mine = await client.get("/v1/calendar/approvals?awaiting=me", headers=world.auth("unit_head@A"))
    assert [i["entry"]["id"] for i in mine.json()["items"]] == [entry["id"]]
    first = await act(client, world, entry["id"], "approve", "unit_head@A")
    assert first.json()["status"] == "pending"
    assert [s["status"] for s in first.json()["approval"]["steps"]] == ["approved", "waiting"]
    waiting = await client.get(
        "/v1/calendar/approvals?awaiting=me", headers=world.auth("org_admin@R")
    )
    assert [i["entry"]["id"] for i in waiting.json()["items"]] == [entry["id"]]
    assert waiting.json()["items"][0]["step"]["level"] == "parent"
    nothing = await client.get(
        "/v1/calendar/approvals?awaiting=me", headers=world.auth("unit_head@A")
    )
    assert nothing.json()["items"] == []
    final = await act(client, world, entry["id"], "approve", "org_admin@R")
    assert final.json()["status"] == "approved"
    # other kinds keep the default policy
    meeting = await create_entry(client, world, "agent@A", kind="meeting")
    submitted = await act(client, world, meeting["id"], "submit", "agent@A")
    assert len(submitted.json()["approval"]["steps"]) == 1


async def test_change_sends_approved_entry_back_to_pending(client, world, settings):
    entry = await create_entry(client, world, "agent@A")
    await act(client, world, entry["id"], "submit", "agent@A")
    await act(client, world, entry["id"], "approve", "unit_head@A")
    title_only = await client.patch(
        f"/v1/calendar/entries/{entry['id']}",
        json={"title_en": "Press"},
        headers=world.auth("agent@A"),
    )
    assert title_only.json()["status"] == "approved"
    moved = await client.patch(
        f"/v1/calendar/entries/{entry['id']}",
        json={"starts_at": "2026-03-11T10:00:00+03:00", "ends_at": "2026-03-11T11:00:00+03:00"},
        headers=world.auth("agent@A"),
    )
    body = moved.json()
    assert body["status"] == "pending"
    assert body["version"] == 2
    steps = body["approval"]["steps"]
    assert [(s["version"], s["status"]) for s in steps] == [(1, "approved"), (2, "waiting")]
    again = await act(client, world, entry["id"], "approve", "org_admin@A")
    assert again.json()["status"] == "approved"
    assert "calendar.entry.changed" in await events(settings, entry["id"])


async def test_reject_then_resubmit(client, world, settings):
    entry = await create_entry(client, world, "agent@A")
    await act(client, world, entry["id"], "submit", "agent@A")
    problem(await act(client, world, entry["id"], "reject", "unit_head@A"), 422)
    rejected = await act(
        client, world, entry["id"], "reject", "unit_head@A", comment="يتعارض مع زيارة"
    )
    assert rejected.json()["status"] == "rejected"
    assert (await act(client, world, entry["id"], "submit", "agent@A")).json()[
        "status"
    ] == "pending"
    assert "calendar.entry.rejected" in await events(settings, entry["id"])


async def test_decisions_in_the_wrong_state(client, world):
    entry = await create_entry(client, world, "agent@A")
    problem(await act(client, world, entry["id"], "approve", "unit_head@A"), 409, "invalid_state")
    problem(await act(client, world, entry["id"], "reject", "unit_head@A", comment="لا"), 409)
    await act(client, world, entry["id"], "cancel", "agent@A")
    problem(await act(client, world, entry["id"], "submit", "agent@A"), 409, "invalid_state")
    problem(await act(client, world, entry["id"], "cancel", "agent@A"), 409, "invalid_state")
