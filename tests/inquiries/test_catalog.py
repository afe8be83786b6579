"""Categories (trees, routing, intake defaults) and the workflow table."""

from __future__ import annotations

import itertools

import pytest

from services.common.errors import InvalidState
from services.inquiries.domain.states import (
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
    next_status,
)
from tests.inquiries.conftest import submit


def test_every_move_outside_the_table_is_a_conflict():
    for action, state in itertools.product(Action, Status):
        target = TRANSITIONS[action].get(state)
        if target is None:
            with pytest.raises(InvalidState):
                next_status(action, state)
        else:
            assert next_status(action, state) == target
    assert allowed_actions("closed") == []
    assert set(allowed_actions("resolved")) == {"reply", "citizen_reply", "reopen", "close"}
    assert next_status(Action.REOPEN, "resolved") == Status.IN_PROGRESS


async def test_routing_by_category_and_intake_default(client, world):
    admin = world.auth("org_admin@R")

    async def category(**fields):
        response = await client.post(
            "/v1/inquiry-categories",
            headers=admin,
            json={"organization_id": str(world.orgs["R"]), "name_ar": "تصنيف", **fields},
        )
        assert response.status_code == 201, response.text
        return response.json()

    general = await category(code="general", intake_default=True, public=True)
    newer = await category(code="general-2", intake_default=True, public=True)
    old = (await client.get(f"/v1/inquiry-categories/{general['id']}", headers=admin)).json()
    assert old["intake_default"] is False  # one intake default per organization
    # sent to A without a category: the nearest intake default (R's) applies, A keeps it
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    assert receipt["category_id"] == newer["id"]
    assert receipt["organization_id"] == str(world.orgs["A"])
    # a category without routing goes to its owner
    owned = await category(code="roads", public=True)
    receipt = await submit(client, category_id=owned["id"], channel="whatsapp")
    assert receipt["organization_id"] == str(world.orgs["R"])
    # tree rules
    child = await category(code="roads-potholes", parent_id=owned["id"])
    assert child["parent_id"] == owned["id"]
    cycle = await client.patch(
        f"/v1/inquiry-categories/{owned['id']}", headers=admin, json={"parent_id": child["id"]}
    )
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "parent_id"
    foreign_parent = (
        await client.post(
            "/v1/inquiry-categories",
            headers=world.auth("admin"),
            json={"organization_id": str(world.orgs["S"]), "code": "x", "name_ar": "س"},
        )
    ).json()
    wrong = await client.post(
        "/v1/inquiry-categories",
        headers=admin,
        json={
            "organization_id": str(world.orgs["R"]),
            "code": "y",
            "name_ar": "ص",
            "parent_id": foreign_parent["id"],
        },
    )
    assert wrong.status_code == 422
    routed_away = await client.post(
        "/v1/inquiry-categories",
        headers=admin,
        json={
            "organization_id": str(world.orgs["R"]),
            "code": "z",
            "name_ar": "ض",
            "routing_organization_id": str(world.orgs["S"]),
        },
    )
    assert routed_away.status_code == 422
    duplicate = await client.post(
        "/v1/inquiry-categories",
        headers=admin,
        json={"organization_id": str(world.orgs["R"]), "code": "roads", "name_ar": "مكرر"},
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "category_code_taken"
    # lists: children of a node, categories that apply to an organization
    children = await client.get(
        "/v1/inquiry-categories", headers=admin, params={"parent_id": owned["id"]}
    )
    assert [c["id"] for c in children.json()["items"]] == [child["id"]]
    applies = await client.get(
        "/v1/inquiry-categories", params={"organization_id": str(world.orgs["A"])}
    )
    assert {c["code"] for c in applies.json()["items"]} == {"general", "general-2", "roads"}


async def test_category_patch_honours_if_match(client, world):
    admin = world.auth("org_admin@R")
    created = await client.post(
        "/v1/inquiry-categories",
        headers=admin,
        json={"organization_id": str(world.orgs["R"]), "code": "trees", "name_ar": "الأشجار"},
    )
    path = f"/v1/inquiry-categories/{created.json()['id']}"
    etag = created.headers["etag"]
    ok = await client.patch(
        path, headers={**admin, "If-Match": etag}, json={"name_ar": "التشجير", "public": True}
    )
    assert ok.status_code == 200 and ok.json()["name_ar"] == "التشجير"
    stale = await client.patch(path, headers={**admin, "If-Match": etag}, json={"active": False})
    assert stale.status_code == 412
    cleared = await client.patch(path, headers=admin, json={"name_ar": None})
    assert cleared.status_code == 422


async def test_policy_rules(client, world):
    admin = world.auth("org_admin@R")
    body = {
        "organization_id": str(world.orgs["R"]),
        "kind": "complaint",
        "name_ar": "شكاوى",
        "first_response_minutes": 60,
        "resolution_minutes": 600,
    }
    first = await client.post("/v1/sla-policies", headers=admin, json=body)
    assert first.status_code == 201
    again = await client.post("/v1/sla-policies", headers=admin, json=body)
    assert again.status_code == 409 and again.json()["code"] == "sla_policy_exists"
    shorter = await client.post(
        "/v1/sla-policies",
        headers=admin,
        json={**body, "kind": "question", "resolution_minutes": 30},
    )
    assert shorter.status_code == 422
    patch = await client.patch(
        f"/v1/sla-policies/{first.json()['id']}",
        headers=admin,
        json={"first_response_minutes": 700},
    )
    assert patch.status_code == 422
    other_category = (
        await client.post(
            "/v1/inquiry-categories",
            headers=world.auth("admin"),
            json={"organization_id": str(world.orgs["M"]), "code": "m", "name_ar": "م"},
        )
    ).json()
    foreign = await client.post(
        "/v1/sla-policies", headers=admin, json={**body, "category_id": other_category["id"]}
    )
    assert foreign.status_code == 422  # a category policy belongs to the category's owner
