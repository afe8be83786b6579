"""Machine clients: the secret is shown once, stored only as a hash, rotated on demand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.common.models import IdempotencyKey
from services.directory.models import ApiClient
from tests.directory.conftest import Tree, client_token, fields_of, problem

CLIENTS = "/v1/api-clients"


async def test_secret_is_shown_once_and_stored_hashed(tree: Tree):
    created = await tree.request(
        "x.admin",
        "POST",
        CLIENTS,
        {
            "name": "نظام بلاغات وزارة الصحة",
            "organization_id": tree.orgs["C"],
            "scopes": ["inquiries:read", "inquiries:write", "inquiries:read"],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["client_id"].startswith("ghc_") and len(body["client_secret"]) >= 43
    assert body["scopes"] == ["inquiries:read", "inquiries:write"]
    assert created.headers["cache-control"] == "no-store"
    fetched = await tree.request("x.admin", "GET", f"{CLIENTS}/{body['id']}")
    assert "client_secret" not in fetched.json()
    listed = (await tree.request("x.admin", "GET", CLIENTS)).json()["items"]
    assert all("client_secret" not in c for c in listed)
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        stored = await session.scalar(
            select(ApiClient.secret_hash).where(ApiClient.client_id == body["client_id"])
        )
    assert stored and body["client_secret"] not in stored
    token = await client_token(tree.http, body["client_id"], body["client_secret"])
    assert token


async def test_rotation_replaces_the_secret(tree: Tree):
    info = tree.clients["x.reader"]
    rotated = await tree.request("x.admin", "POST", f"{CLIENTS}/{info.id}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["client_secret"]
    assert new_secret != info.secret and rotated.json()["secret_rotated_at"]
    old = await tree.http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": info.client_id,
            "client_secret": info.secret,
        },
    )
    problem(old, 401, "invalid_client")
    assert await client_token(tree.http, info.client_id, new_secret)


async def test_idempotent_replay_never_carries_the_secret(tree: Tree):
    body = {"name": "نظام", "organization_id": tree.orgs["X"], "scopes": ["calendar:read"]}
    headers = {"Idempotency-Key": "client-once"}
    first = await tree.request("x.admin", "POST", CLIENTS, body, headers=headers)
    again = await tree.request("x.admin", "POST", CLIENTS, body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["client_secret"] and again.json()["client_secret"] is None
    assert again.json()["id"] == first.json()["id"]
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        stored = await session.scalar(select(IdempotencyKey.response_body))
    assert stored and first.json()["client_secret"] not in stored


async def test_bad_input(tree: Tree):
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"scopes": ["inquiries:admin"]}, 422, "scopes.0"),
        ({"scopes": []}, 422, "scopes"),
        ({"name": ""}, 422, "name"),
        ({"organization_id": tree.orgs["S"]}, 404, "organization_id"),
    ]
    for change, status, field in cases:
        body = {"name": "نظام", "organization_id": tree.orgs["X"], "scopes": ["calendar:read"]}
        response = await tree.request("x.admin", "POST", CLIENTS, body | change)
        assert field in fields_of(problem(response, status)), (change, response.text)


async def test_update_scopes_and_disable(tree: Tree):
    info = tree.clients["x.reader"]
    url = f"{CLIENTS}/{info.id}"
    etag = (await tree.request("x.admin", "GET", url)).headers["etag"]
    changed = await tree.request(
        "x.admin",
        "PATCH",
        url,
        {"scopes": ["directory:read", "calendar:read"]},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200 and changed.json()["scopes"] == [
        "directory:read",
        "calendar:read",
    ]
    stale = await tree.request(
        "x.admin", "PATCH", url, {"active": False}, headers={"If-Match": etag}
    )
    problem(stale, 412)
    disabled = await tree.request("x.admin", "PATCH", url, {"active": False})
    assert disabled.json()["active"] is False
    only_active = await tree.request("x.admin", "GET", CLIENTS, params={"active": "true"})
    assert info.id not in {c["id"] for c in only_active.json()["items"]}
