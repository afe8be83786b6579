"""The authorization matrix for every inquiries endpoint: own organization, child, sibling,
parent, anonymous, and a machine client without (or with only one) scope.

The caller works in region R. Its own inquiries and those of municipality A below it are
visible; those of sibling region S and of the ministry M above it are not (404, never 403,
so ids don't leak). Anonymous callers get 401; a machine client lacking the scope 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.inquiries.conftest import submit
from tests.inquiries.factories import World

RELATION_ORG = {"own": "R", "child": "A", "sibling": "S", "parent": "M"}
ASSIGNEE = {"R": "agent@R", "A": "agent@A", "S": "agent@S", "M": "coordinator@M"}


@dataclass
class Case:
    method: str
    path: str  # with {id}
    body: dict[str, Any] | None
    ok: int
    prepare: tuple[str, ...] = ()  # actions run first (as the sector admin)
    write: bool = False


def cases(world: World, org: str) -> list[Case]:
    assignee = str(world.users[ASSIGNEE[org]])
    return [
        Case("GET", "/v1/inquiries/{id}", None, 200),
        Case("PATCH", "/v1/inquiries/{id}", {"priority": "high"}, 200, write=True),
        Case("GET", "/v1/inquiries/{id}/messages", None, 200),
        Case(
            "POST",
            "/v1/inquiries/{id}/messages",
            {"visibility": "internal", "body": "ملاحظة"},
            201,
            write=True,
        ),
        Case("GET", "/v1/inquiries/{id}/history", None, 200),
        Case("GET", "/v1/inquiries/{id}/similar", None, 200),
        Case(
            "GET", "/v1/inquiries/{id}/survey", None, 200, prepare=("assign", "resolve", "survey")
        ),
        Case("POST", "/v1/inquiries/{id}/assign", {"assignee_id": assignee}, 200, write=True),
        Case(
            "POST",
            "/v1/inquiries/{id}/transfer",
            {
                "organization_id": str(world.orgs["A" if org != "A" else "R"]),
                "reason": "اختصاص جهة أخرى",
            },
            200,
            write=True,
        ),
        Case(
            "POST",
            "/v1/inquiries/{id}/resolve",
            {"resolution": "تم الحل"},
            200,
            prepare=("assign",),
            write=True,
        ),
        Case(
            "POST",
            "/v1/inquiries/{id}/reopen",
            {"reason": "عادت المشكلة"},
            200,
            prepare=("assign", "resolve"),
            write=True,
        ),
        Case(
            "POST", "/v1/inquiries/{id}/close", {}, 200, prepare=("assign", "resolve"), write=True
        ),
        Case("POST", "/v1/inquiries/{id}/reject", {"reason": "خارج الاختصاص"}, 200, write=True),
    ]


async def fresh_inquiry(
    client: httpx.AsyncClient, world: World, org: str, prepare: tuple[str, ...]
) -> str:
    receipt = await submit(client, organization_id=str(world.orgs[org]))
    inquiry_id, token = receipt["id"], receipt["tracking_token"]
    admin = world.auth("admin")
    steps: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
        "assign": lambda: client.post(
            f"/v1/inquiries/{inquiry_id}/assign",
            headers=admin,
            json={"assignee_id": str(world.users[ASSIGNEE[org]])},
        ),
        "resolve": lambda: client.post(
            f"/v1/inquiries/{inquiry_id}/resolve", headers=admin, json={"resolution": "تم"}
        ),
        "survey": lambda: client.post(
            f"/v1/inquiries/{inquiry_id}/survey",
            json={"rating": 4},
            headers={"X-Tracking-Token": token},
        ),
    }
    for step in prepare:
        response = await steps[step]()
        assert response.status_code in (200, 201), (step, response.text)
    return inquiry_id


async def call(client, case: Case, inquiry_id: str, headers: dict[str, str]) -> httpx.Response:
    return await client.request(
        case.method, case.path.format(id=inquiry_id), headers=headers, json=case.body
    )


async def test_matrix_for_every_inquiry_endpoint(client, world):
    failures: list[str] = []
    callers = {
        "staff": world.auth("coordinator@R"),
        "anonymous": {},
        "client without scope": world.auth("client@R"),
        "client read only": world.auth("client@R:inquiries:read"),
    }
    for relation, org in RELATION_ORG.items():
        for case in cases(world, org):
            for caller, headers in callers.items():
                if caller == "anonymous":
                    expected = 401
                elif caller == "client without scope" or (
                    caller == "client read only" and case.write
                ):
                    expected = 403
                elif relation in ("own", "child"):
                    expected = case.ok
                else:
                    expected = 404
                inquiry_id = await fresh_inquiry(client, world, org, case.prepare)
                response = await call(client, case, inquiry_id, headers)
                if response.status_code != expected:
                    failures.append(
                        f"{caller} {case.method} {case.path} on {relation}: "
                        f"{response.status_code} != {expected} {response.text[:120]}"
                    )
                elif expected >= 400:
                    assert response.headers["content-type"] == "application/problem+json"
    assert not failures, "\n".join(failures)


async def test_lists_export_and_stats_see_only_the_subtree(client, world):
    ids = {}
    for relation, org in RELATION_ORG.items():
        ids[relation] = (await submit(client, organization_id=str(world.orgs[org])))["id"]
    staff = world.auth("coordinator@R")

    listed = await client.get("/v1/inquiries", headers=staff)
    assert listed.status_code == 200
    assert {i["id"] for i in listed.json()["items"]} == {ids["own"], ids["child"]}
    child_only = await client.get(
        "/v1/inquiries", headers=staff, params={"organization_id": str(world.orgs["A"])}
    )
    assert [i["id"] for i in child_only.json()["items"]] == [ids["child"]]
    export = await client.get("/v1/inquiries/export", headers=staff)
    assert export.status_code == 200
    assert ids["own"] in export.text and ids["sibling"] not in export.text
    assert ids["parent"] not in export.text
    stats = await client.get("/v1/inquiries/stats", headers=staff)
    assert stats.status_code == 200 and stats.json()["total"] == 2
    for path in ("/v1/inquiries", "/v1/inquiries/export", "/v1/inquiries/stats"):
        for org in ("S", "M"):
            outside = await client.get(
                path, headers=staff, params={"organization_id": str(world.orgs[org])}
            )
            assert outside.status_code == 404, (path, org)
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=world.auth("client@R"))).status_code == 403
        assert (
            await client.get(path, headers=world.auth("client@R:inquiries:read"))
        ).status_code == 200
    # the sector admin sees everything
    everything = await client.get("/v1/inquiries", headers=world.auth("admin"))
    assert len(everything.json()["items"]) == 4
    # the parent (ministry) sees the whole tree
    ministry = await client.get("/v1/inquiries", headers=world.auth("coordinator@M"))
    assert len(ministry.json()["items"]) == 4


async def test_intake_is_open_to_anonymous_but_not_to_a_client_without_scope(client, world):
    body = {
        "kind": "question",
        "channel": "website",
        "subject": "سؤال",
        "body": "متى؟",
        "organization_id": str(world.orgs["A"]),
    }
    assert (await client.post("/v1/inquiries", json=body)).status_code == 201
    refused = await client.post("/v1/inquiries", json=body, headers=world.auth("client@R"))
    assert refused.status_code == 403
    machine = await client.post(
        "/v1/inquiries", json=body, headers=world.auth("client@R:inquiries:write")
    )
    assert machine.status_code == 201
    read_only = await client.post(
        "/v1/inquiries", json=body, headers=world.auth("client@R:inquiries:read")
    )
    assert read_only.status_code == 403
    bad_token = await client.post(
        "/v1/inquiries", json=body, headers={"Authorization": "Bearer not-a-token"}
    )
    assert bad_token.status_code == 401


@pytest.mark.parametrize(
    ("caller", "org", "expected"),
    [
        ("org_admin@R", "R", 201),
        ("org_admin@R", "A", 201),
        ("org_admin@R", "S", 404),
        ("org_admin@R", "M", 404),
        ("coordinator@R", "R", 403),
        (None, "R", 401),
        ("client@R", "R", 403),
        ("client@R:inquiries:read,inquiries:write", "R", 403),
    ],
)
async def test_catalog_writes(client, world, caller, org, expected):
    headers = world.auth(caller)
    category = await client.post(
        "/v1/inquiry-categories",
        headers=headers,
        json={"organization_id": str(world.orgs[org]), "code": "roads", "name_ar": "الطرق"},
    )
    assert category.status_code == expected, category.text
    policy = await client.post(
        "/v1/sla-policies",
        headers=headers,
        json={
            "organization_id": str(world.orgs[org]),
            "name_ar": "عام",
            "first_response_minutes": 60,
            "resolution_minutes": 120,
        },
    )
    assert policy.status_code == expected, policy.text


async def test_catalog_reads(client, world):
    admin = world.auth("admin")
    made: dict[tuple[str, bool | str], Any] = {}
    for org in ("R", "A", "S", "M"):
        for public in (True, False):
            response = await client.post(
                "/v1/inquiry-categories",
                headers=admin,
                json={
                    "organization_id": str(world.orgs[org]),
                    "code": f"c-{public}",
                    "name_ar": "تصنيف",
                    "public": public,
                },
            )
            made[(org, public)] = response.json()["id"]
        policy = await client.post(
            "/v1/sla-policies",
            headers=admin,
            json={
                "organization_id": str(world.orgs[org]),
                "name_ar": "عام",
                "first_response_minutes": 60,
                "resolution_minutes": 120,
            },
        )
        made[(org, "policy")] = policy.json()["id"]

    anonymous = await client.get("/v1/inquiry-categories")
    assert anonymous.status_code == 200
    assert {c["id"] for c in anonymous.json()["items"]} == {made[(o, True)] for o in "RASM"}
    staff = world.auth("coordinator@R")
    seen = {
        c["id"] for c in (await client.get("/v1/inquiry-categories", headers=staff)).json()["items"]
    }
    # public everywhere + internal of own subtree (R, A) and of the ancestor (M)
    assert seen == {made[(o, True)] for o in "RASM"} | {made[(o, False)] for o in "RAM"}
    assert (
        await client.get("/v1/inquiry-categories", headers=world.auth("client@R"))
    ).status_code == 403
    assert (
        await client.get(f"/v1/inquiry-categories/{made[('S', False)]}", headers=staff)
    ).status_code == 404
    assert (await client.get(f"/v1/inquiry-categories/{made[('S', False)]}")).status_code == 404
    assert (await client.get(f"/v1/inquiry-categories/{made[('S', True)]}")).status_code == 200

    policies = await client.get("/v1/sla-policies", headers=staff)
    assert {p["id"] for p in policies.json()["items"]} == {made[(o, "policy")] for o in "RAM"}
    assert (await client.get("/v1/sla-policies")).status_code == 401
    assert (await client.get("/v1/sla-policies", headers=world.auth("client@R"))).status_code == 403
    assert (
        await client.get(f"/v1/sla-policies/{made[('S', 'policy')]}", headers=staff)
    ).status_code == 404
    assert (
        await client.get(f"/v1/sla-policies/{made[('M', 'policy')]}", headers=staff)
    ).status_code == 200
    # changing a category above you is refused as unknown
    patch = await client.patch(
        f"/v1/inquiry-categories/{made[('M', False)]}",
        headers=world.auth("org_admin@R"),
        json={"name_ar": "x"},
    )
    assert patch.status_code == 404


async def test_tracking_needs_the_token_not_a_login(client, world):
    receipt = await submit(client, organization_id=str(world.orgs["A"]))
    reference, token = receipt["reference"], receipt["tracking_token"]
    path = f"/v1/inquiries/track/{reference}"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers={"X-Tracking-Token": "wrong"})).status_code == 404
    assert (
        await client.get("/v1/inquiries/track/INQ-2026-999999", headers={"X-Tracking-Token": token})
    ).status_code == 404
    # a staff token is no tracking token
    assert (await client.get(path, headers=world.auth("coordinator@A"))).status_code == 401
    assert (await client.get(path, headers={"X-Tracking-Token": token})).status_code == 200
    post = await client.post(
        f"{path}/messages", json={"body": "شكراً"}, headers={"X-Tracking-Token": "wrong"}
    )
    assert post.status_code == 404
    survey = await client.post(
        f"/v1/inquiries/{receipt['id']}/survey",
        json={"rating": 3},
        headers={"X-Tracking-Token": "wrong"},
    )
    assert survey.status_code == 404
