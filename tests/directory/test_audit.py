"""The audit trail: written for every change, read by administrators over their subtree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.directory.conftest import Tree, problem

AUDIT = "/v1/audit"


async def test_changes_are_recorded_with_actor_and_request_id(tree: Tree):
    created = await tree.request(
        "x.admin",
        "POST",
        "/v1/channels",
        {"organization_id": tree.orgs["C"], "kind": "majlis", "name_ar": "المجلس"},
        headers={"X-Request-ID": "req-audit-1"},
    )
    channel = created.json()["id"]
    await tree.request("x.admin", "PATCH", f"/v1/channels/{channel}", {"name_en": "Majlis"})
    entries = (await tree.request("x.admin", "GET", AUDIT, params={"resource_id": channel})).json()[
        "items"
    ]
    assert [e["action"] for e in entries] == ["update", "create"]
    update, create = entries
    assert update["changes"] == {"name_en": [None, "Majlis"]}
    assert create["changes"]["name_ar"] == "المجلس"
    assert create["request_id"] == "req-audit-1"
    assert create["actor_id"] == tree.users["x.admin"] and create["actor_type"] == "user"
    assert create["service"] == "directory" and create["organization_id"] == tree.orgs["C"]


async def test_filters_and_pagination(tree: Tree):
    users = await tree.request(
        "sector", "GET", AUDIT, params={"resource_type": "user", "limit": 500}
    )
    assert {e["resource_type"] for e in users.json()["items"]} == {"user"}
    by_actor = await tree.request("sector", "GET", AUDIT, params={"actor_id": "system"})
    assert by_actor.json()["items"] and all(
        e["actor_type"] == "system" for e in by_actor.json()["items"]
    )
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (await tree.request("sector", "GET", AUDIT, params={"from": future})).json()[
        "items"
    ] == []
    assert (await tree.request("sector", "GET", AUDIT, params={"to": future})).json()["items"]
    seen, cursor = [], None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = (await tree.request("sector", "GET", AUDIT, params=params)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    everything = (await tree.request("sector", "GET", AUDIT, params={"limit": 500})).json()
    assert seen == [e["id"] for e in everything["items"]] and len(seen) > 7


async def test_subtree_only(tree: Tree):
    mine = (await tree.request("x.admin", "GET", AUDIT, params={"limit": 500})).json()["items"]
    assert {e["organization_id"] for e in mine} == {tree.orgs["X"], tree.orgs["C"]}
    sibling = await tree.request(
        "x.admin", "GET", AUDIT, params={"organization_id": tree.orgs["S"]}
    )
    problem(sibling, 404)
    problem(await tree.request("x.agent", "GET", AUDIT), 403)
