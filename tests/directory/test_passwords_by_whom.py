"""Who may set a password (issue 23, point 7 and the peer-administrator decision of 8):
machine clients never, and an org_admin not for a peer org_admin of its organization."""

from __future__ import annotations

from services.common.db import session_scope
from services.common.permissions import (
    CLIENT_GRANTABLE_ROLES,
    ROLE_PERMISSIONS,
    SCOPES,
    permissions_for,
)
from services.directory.schemas.api_clients import ApiClientCreate
from services.directory.service import api_clients as client_service
from services.directory.service.common import SYSTEM
from tests.directory.conftest import PASSWORD, Tree, client_token, password_token, problem

TOKEN = "/v1/auth/token"
OTHER = "Wadi-Hanifa-2027"


async def _sign_in(tree: Tree, username: str, password: str) -> int:
    form = {"grant_type": "password", "username": username, "password": password}
    return (await tree.http.post(TOKEN, data=form)).status_code


async def test_a_machine_client_never_sets_or_resets_a_password(tree: Tree):
    base = {"full_name_ar": "موظف", "organization_id": tree.orgs["C"]}
    with_password = {**base, "username": "chosen.by.client", "password": PASSWORD}
    refused = await tree.request("x.writer", "POST", "/v1/users", with_password)
    assert problem(refused, 403, "forbidden")["errors"][0]["field"] == "password"
    assert await _sign_in(tree, "chosen.by.client", PASSWORD) == 401

    created = await tree.request("x.writer", "POST", "/v1/users", {**base, "username": "invitee"})
    assert created.status_code == 201, created.text
    user = created.json()["id"]
    reset = await tree.request("x.writer", "PATCH", f"/v1/users/{user}", {"password": OTHER})
    assert problem(reset, 403, "forbidden")["errors"][0]["field"] == "password"
    # created without a password, nobody signs in as the user …
    assert await _sign_in(tree, "invitee", OTHER) == 401
    assert await _sign_in(tree, "invitee", "") == 400
    # … until a staff administrator sets one
    assert (
        await tree.request("x.admin", "PATCH", f"/v1/users/{user}", {"password": OTHER})
    ).status_code == 200
    assert await _sign_in(tree, "invitee", OTHER) == 200
    # and an existing user's password is never the client's to change
    agent = tree.users["c.agent"]
    again = await tree.request("x.writer", "PATCH", f"/v1/users/{agent}", {"password": OTHER})
    assert again.status_code == 403


async def test_a_machine_client_grants_only_roles_its_scopes_cover(tree: Tree):
    app = tree.http.app  # type: ignore[attr-defined]
    async with session_scope(app.state.sessionmaker) as session:
        api_client, secret = await client_service.create(
            session,
            SYSTEM,
            ApiClientCreate(name="عميل شامل", organization_id=tree.orgs["X"], scopes=list(SCOPES)),
        )
    token = await client_token(tree.http, api_client.client_id, secret)
    held = permissions_for("client", frozenset(), frozenset(SCOPES))
    for role in sorted(ROLE_PERMISSIONS):
        answer = await tree.http.post(
            "/v1/users",
            json={
                "username": f"role.{role.replace('_', '-')}",
                "full_name_ar": "موظف",
                "organization_id": tree.orgs["C"],
                "roles": [role],
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        covered = role in CLIENT_GRANTABLE_ROLES and ROLE_PERMISSIONS[role] <= held
        assert answer.status_code == (201 if covered else 403), (role, answer.text)
    # the rule is not empty: with every scope, an agent may be created, a coordinator
    # (who assigns inquiries, a permission no scope gives) may not
    assert ROLE_PERMISSIONS["agent"] <= held
    assert not ROLE_PERMISSIONS["coordinator"] <= held


async def test_an_org_admin_does_not_reset_a_peer_administrators_password(tree: Tree):
    made = await tree.request(
        "sector",
        "POST",
        "/v1/users",
        {
            "username": "x.admin2",
            "full_name_ar": "مدير ثان",
            "organization_id": tree.orgs["X"],
            "roles": ["org_admin"],
            "password": PASSWORD,
        },
    )
    assert made.status_code == 201, made.text
    peer = made.json()["id"]
    refused = await tree.request("x.admin", "PATCH", f"/v1/users/{peer}", {"password": OTHER})
    assert problem(refused, 403, "forbidden")["errors"][0]["field"] == "password"
    assert await _sign_in(tree, "x.admin2", PASSWORD) == 200
    # other changes to the peer stay possible; a sector_admin may reset the password
    renamed = await tree.request("x.admin", "PATCH", f"/v1/users/{peer}", {"full_name_en": "Peer"})
    assert renamed.status_code == 200
    assert (
        await tree.request("sector", "PATCH", f"/v1/users/{peer}", {"password": OTHER})
    ).status_code == 200
    assert await _sign_in(tree, "x.admin2", OTHER) == 200
    # an agent of the org_admin's own organization is still the org_admin's to reset
    agent = tree.users["x.agent"]
    assert (
        await tree.request("x.admin", "PATCH", f"/v1/users/{agent}", {"password": OTHER})
    ).status_code == 200
    assert await password_token(tree.http, "x.agent", OTHER)
