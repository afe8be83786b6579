"""Workflow mistakes: moves from the wrong state (409), bad action input (422), survey
rules, and stale `If-Match` (412)."""

from __future__ import annotations

import uuid

from services.inquiries.app import create_app
from tests.inquiries.conftest import problem, submit


async def test_wrong_state_transitions_are_409(client, world):
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    inquiry_id, staff = receipt["id"], world.auth("coordinator@A")
    for action, body in (
        ("close", {}),
        ("resolve", {"resolution": "تم"}),
        ("reopen", {"reason": "x"}),
    ):
        problem(
            await client.post(f"/v1/inquiries/{inquiry_id}/{action}", json=body, headers=staff),
            409,
            "invalid_state",
        )
    rejected = await client.post(
        f"/v1/inquiries/{inquiry_id}/reject", headers=staff, json={"reason": "مكرر"}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/reject", headers=staff, json={"reason": "مكرر"}
        ),
        409,
        "invalid_state",
    )
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/messages",
            headers=staff,
            json={"visibility": "public", "body": "رد"},
        ),
        409,
        "invalid_state",
    )
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/assign",
            headers=staff,
            json={"assignee_id": str(world.users["agent@A"])},
        ),
        409,
        "invalid_state",
    )
    problem(
        await client.post(
            f"/v1/inquiries/track/{receipt['reference']}/messages",
            headers={"X-Tracking-Token": receipt["tracking_token"]},
            json={"body": "؟"},
        ),
        409,
        "invalid_state",
    )
    # internal notes are allowed in every state
    note = await client.post(
        f"/v1/inquiries/{inquiry_id}/messages",
        headers=staff,
        json={"visibility": "internal", "body": "للأرشيف"},
    )
    assert note.status_code == 201


async def test_workflow_input_errors(client, world):
    first = await submit(client, organization_id=str(world.orgs["A"]))
    inquiry_id, staff = first["id"], world.auth("coordinator@A")
    for assignee in (
        world.users["agent@S"],
        uuid.uuid4(),
        await world.directory.user(world.orgs["A"], "gone", ["agent"], active=False),
    ):
        problem(
            await client.post(
                f"/v1/inquiries/{inquiry_id}/assign",
                headers=staff,
                json={"assignee_id": str(assignee)},
            ),
            422,
            field="assignee_id",
        )
    # an agent may take an inquiry but not hand it to someone else
    agent = world.auth("agent@A")
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/assign",
            headers=agent,
            json={"assignee_id": str(world.users["coordinator@A"])},
        ),
        403,
    )
    taken = await client.post(
        f"/v1/inquiries/{inquiry_id}/assign",
        headers=agent,
        json={"assignee_id": str(world.users["agent@A"])},
    )
    assert taken.status_code == 200
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/transfer",
            headers=staff,
            json={"organization_id": str(world.orgs["A"]), "reason": "x"},
        ),
        422,
        field="organization_id",
    )
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/transfer",
            headers=staff,
            json={"organization_id": str(uuid.uuid4()), "reason": "x"},
        ),
        422,
        field="organization_id",
    )
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/transfer",
            headers=agent,
            json={"organization_id": str(world.orgs["R"]), "reason": "x"},
        ),
        403,
    )
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/reject",
            headers=staff,
            json={"reason": "مكرر", "duplicate_of": inquiry_id},
        ),
        422,
        field="duplicate_of",
    )
    problem(
        await client.post(
            f"/v1/inquiries/{inquiry_id}/messages",
            headers=staff,
            json={"visibility": "internal", "body": "x", "await_citizen": True},
        ),
        422,
        field="await_citizen",
    )
    problem(
        await client.patch(
            f"/v1/inquiries/{inquiry_id}", headers=staff, json={"kind": "media_request"}
        ),
        422,
        field="kind",
    )
    problem(
        await client.patch(f"/v1/inquiries/{inquiry_id}", headers=staff, json={"priority": None}),
        422,
        field="priority",
    )
    problem(await client.get("/v1/inquiries", headers=staff, params={"sla": "late"}), 422)
    problem(
        await client.get(
            "/v1/inquiries", headers=staff, params={"created_from": "2026-01-01T00:00:00"}
        ),
        422,
    )
    problem(
        await client.get("/v1/inquiries", headers=staff, params={"cursor": "nonsense"}),
        400,
        "invalid_cursor",
    )
    problem(await client.get("/v1/inquiries/not-a-uuid", headers=staff), 422)
    problem(await client.get("/v1/inquiries/nope/nope/nope", headers=staff), 404)
    problem(
        await client.get(
            "/v1/inquiries/stats",
            headers=staff,
            params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        ),
        422,
    )


async def test_survey_rules(client, world, fake_clock):
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    inquiry_id, staff = receipt["id"], world.auth("coordinator@A")
    token = {"X-Tracking-Token": receipt["tracking_token"]}
    problem(
        await client.post(f"/v1/inquiries/{inquiry_id}/survey", json={"rating": 5}, headers=token),
        409,
        "survey_not_open",
    )
    problem(
        await client.post(f"/v1/inquiries/{inquiry_id}/survey", json={"rating": 5}),
        401,
        "tracking_token_required",
    )
    await client.post(
        f"/v1/inquiries/{inquiry_id}/assign",
        headers=staff,
        json={"assignee_id": str(world.users["agent@A"])},
    )
    await client.post(
        f"/v1/inquiries/{inquiry_id}/resolve", headers=staff, json={"resolution": "تم"}
    )
    problem(
        await client.post(f"/v1/inquiries/{inquiry_id}/survey", json={"rating": 6}, headers=token),
        422,
        field="rating",
    )
    problem(
        await client.post(f"/v1/inquiries/{inquiry_id}/survey", json={"rating": 0}, headers=token),
        422,
        field="rating",
    )
    fake_clock.advance(days=15)  # the window is 14 days by default
    problem(
        await client.post(f"/v1/inquiries/{inquiry_id}/survey", json={"rating": 5}, headers=token),
        409,
        "survey_closed",
    )
    view = (await client.get(f"/v1/inquiries/track/{receipt['reference']}", headers=token)).json()
    assert view["survey_open"] is False and view["survey_submitted"] is False


async def test_survey_window_is_configurable(make_client, world, fake_clock):
    client = await make_client(create_app, inquiries_survey_days=30)
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    staff = world.auth("coordinator@A")
    await client.post(
        f"/v1/inquiries/{receipt['id']}/assign",
        headers=staff,
        json={"assignee_id": str(world.users["agent@A"])},
    )
    await client.post(
        f"/v1/inquiries/{receipt['id']}/resolve", headers=staff, json={"resolution": "تم"}
    )
    fake_clock.advance(days=20)
    survey = await client.post(
        f"/v1/inquiries/{receipt['id']}/survey",
        json={"rating": 2},
        headers={"X-Tracking-Token": receipt["tracking_token"]},
    )
    assert survey.status_code == 201, survey.text


async def test_stale_if_match_is_412(client, world):
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    path, staff = f"/v1/inquiries/{receipt['id']}", world.auth("coordinator@A")
    first = await client.get(path, headers=staff)
    etag = first.headers["etag"]
    changed = await client.patch(
        path, headers={**staff, "If-Match": etag}, json={"priority": "urgent"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag and changed.json()["priority"] == "urgent"
    problem(
        await client.patch(path, headers={**staff, "If-Match": etag}, json={"subject": "تعديل"}),
        412,
        "precondition_failed",
    )
    problem(
        await client.post(
            f"{path}/assign",
            headers={**staff, "If-Match": etag},
            json={"assignee_id": str(world.users["agent@A"])},
        ),
        412,
    )
    fresh = await client.post(
        f"{path}/assign",
        headers={**staff, "If-Match": changed.headers["etag"]},
        json={"assignee_id": str(world.users["agent@A"])},
    )
    assert fresh.status_code == 200
    # the SLA targets followed the new priority
    assert changed.json()["first_response_target_minutes"] == 60
