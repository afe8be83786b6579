"""Staff users: validation, who grants what, disable/enable, self-service, no hashes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from services.directory.models import User
from tests.directory.conftest import PASSWORD, Tree, fields_of, password_token, problem, unique

USERS = "/v1/users"


def _user(tree: Tree, **body) -> dict:
    return {
        "username": unique("staff."),
        "full_name_ar": "نورة القحطاني",
        "organization_id": tree.orgs["X"],
        "roles": ["agent"],
        "password": PASSWORD,
    } | body


async def _user_count(tree: Tree) -> int:
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_create_normalizes_and_hides_the_password(tree: Tree):
    response = await tree.request(
        "x.admin",
        "POST",
        USERS,
        _user(
            tree,
            username="Riyadh.Coordinator",
            phone="050 123 4567",
            email="Reem@Example.SA",
            full_name_en="Reem Al-Mutairi",
            roles=["coordinator", "agent", "coordinator"],
        ),
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["username"] == "riyadh.coordinator"
    assert user["phone"] == "+966501234567"
    assert user["email"] == "Reem@example.sa"
    assert user["roles"] == ["coordinator", "agent"]
    assert "password" not in user and user["password_changed_at"]
    assert response.headers["location"] == f"{USERS}/{user['id']}"
    assert await password_token(tree.http, "riyadh.coordinator")
    bahrain = await tree.request("x.admin", "POST", USERS, _user(tree, phone="+973 3300 0001"))
    assert bahrain.json()["phone"] == "+97333000001"


async def test_bad_input_names_the_field_and_writes_nothing(tree: Tree):
    before = await _user_count(tree)
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"phone": "12345"}, 422, "phone"),
        ({"phone": "+966 12"}, 422, "phone"),
        ({"email": "not-an-email"}, 422, "email"),
        ({"roles": ["agent", "king"]}, 422, "roles.1"),
        ({"username": "a b"}, 422, "username"),
        ({"password": "short1"}, 422, "password"),
        ({"password": "onlyletterslong"}, 422, "password"),
        ({"username": "nasser.q", "password": "Nasser.Q-2026-x"}, 422, "password"),
        ({"organization_id": "00000000-0000-0000-0000-000000000000"}, 404, "organization_id"),
        ({"roles": ["sector_admin"]}, 403, "roles"),
    ]
    for change, status, field in cases:
        response = await tree.request("x.admin", "POST", USERS, _user(tree, **change))
        assert field in fields_of(problem(response, status)), (change, response.text)
    assert await _user_count(tree) == before


async def test_duplicate_username_ignores_case(tree: Tree):
    first = await tree.request("x.admin", "POST", USERS, _user(tree, username="dup.user"))
    assert first.status_code == 201
    again = await tree.request("x.admin", "POST", USERS, _user(tree, username="DUP.user"))
    assert fields_of(problem(again, 409, "duplicate")) == {"username"}


async def test_who_grants_what(tree: Tree):
    admin = await tree.request("x.admin", "POST", USERS, _user(tree, roles=["org_admin"]))
    assert admin.status_code == 201
    refused = await tree.request(
        "x.admin", "POST", USERS, _user(tree, roles=["agent", "sector_admin"])
    )
    assert fields_of(problem(refused, 403)) == {"roles"}
    sector = await tree.request("sector", "POST", USERS, _user(tree, roles=["sector_admin"]))
    assert sector.status_code == 201
    # an org_admin cannot touch a sector_admin in their subtree, nor promote anyone to it
    touch = await tree.request(
        "x.admin", "PATCH", f"{USERS}/{sector.json()['id']}", {"full_name_en": "x"}
    )
    problem(touch, 403)
    promote = await tree.request(
        "x.admin", "PATCH", f"{USERS}/{tree.users['x.agent']}", {"roles": ["sector_admin"]}
    )
    assert fields_of(problem(promote, 403)) == {"roles"}
    promoted = await tree.request(
        "sector",
        "PATCH",
        f"{USERS}/{tree.users['x.agent']}",
        {"roles": ["unit_head", "spokesperson"]},
    )
    assert promoted.status_code == 200
    assert promoted.json()["roles"] == ["unit_head", "spokesperson"]


async def test_nobody_changes_their_own_roles_or_disables_themselves(tree: Tree):
    me = tree.users["x.admin"]
    for change in ({"roles": ["agent"]}, {"active": False}, {"organization_id": tree.orgs["C"]}):
        response = await tree.request("x.admin", "PATCH", f"{USERS}/{me}", change)
        assert fields_of(problem(response, 403)) == set(change), change
    renamed = await tree.request("x.admin", "PATCH", f"{USERS}/{me}", {"full_name_en": "Me"})
    assert renamed.status_code == 200


async def test_disable_enable_and_audit(tree: Tree):
    url = f"{USERS}/{tree.users['x.agent']}"
    disabled = await tree.request("x.admin", "PATCH", url, {"active": False})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    enabled = await tree.request("x.admin", "PATCH", url, {"active": True})
    assert enabled.json()["active"] is True
    actions = (
        await tree.request("x.admin", "GET", f"/v1/audit?resource_id={tree.users['x.agent']}")
    ).json()["items"]
    assert [a["action"] for a in actions[:2]] == ["enable", "disable"]
    assert actions[1]["changes"] == {"active": [True, False]}
    assert actions[1]["actor_id"] == tree.users["x.admin"]


async def test_move_user_and_null_refused(tree: Tree):
    url = f"{USERS}/{tree.users['x.agent']}"
    moved = await tree.request("x.admin", "PATCH", url, {"organization_id": tree.orgs["C"]})
    assert moved.status_code == 200 and moved.json()["organization_id"] == tree.orgs["C"]
    away = await tree.request("x.admin", "PATCH", url, {"organization_id": tree.orgs["S"]})
    assert fields_of(problem(away, 404)) == {"organization_id"}
    null = await tree.request("x.admin", "PATCH", url, {"full_name_ar": None})
    assert fields_of(problem(null, 422)) == {"full_name_ar"}
    cleared = await tree.request("x.admin", "PATCH", url, {"phone": None, "email": None})
    assert cleared.status_code == 200


async def test_admin_resets_a_password(tree: Tree):
    url = f"{USERS}/{tree.users['x.agent']}"
    weak = await tree.request("x.admin", "PATCH", url, {"password": "x.agent-2026-abc"})
    assert fields_of(problem(weak, 422)) == {"password"}
    reset = await tree.request("x.admin", "PATCH", url, {"password": "Brand-New-Pass-9"})
    assert reset.status_code == 200
    assert await password_token(tree.http, "x.agent", "Brand-New-Pass-9")
    audit = (
        await tree.request("x.admin", "GET", f"/v1/audit?resource_id={tree.users['x.agent']}")
    ).json()
    assert audit["items"][0]["changes"] == {"password": "reset"}


async def test_me_and_change_my_password(tree: Tree):
    me = await tree.request("x.agent", "GET", f"{USERS}/me")
    assert me.status_code == 200 and me.json()["id"] == tree.users["x.agent"]
    assert me.headers["etag"]
    wrong = await tree.request(
        "x.agent",
        "POST",
        f"{USERS}/me/password",
        {"current_password": "Not-My-Pass-1", "new_password": "Abc-12345678"},
    )
    assert fields_of(problem(wrong, 422)) == {"current_password"}
    weak = await tree.request(
        "x.agent",
        "POST",
        f"{USERS}/me/password",
        {"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"},
    )
    assert fields_of(problem(weak, 422)) == {"new_password"}
    same = await tree.request(
        "x.agent",
        "POST",
        f"{USERS}/me/password",
        {"current_password": PASSWORD, "new_password": PASSWORD},
    )
    assert fields_of(problem(same, 422)) == {"new_password"}
    changed = await tree.request(
        "x.agent",
        "POST",
        f"{USERS}/me/password",
        {"current_password": PASSWORD, "new_password": "Nakheel-2026-X"},
    )
    assert changed.status_code == 204
    old = await tree.http.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": "x.agent", "password": PASSWORD},
    )
    problem(old, 401, "invalid_grant")
    assert await password_token(tree.http, "x.agent", "Nakheel-2026-X")


async def test_list_filters(tree: Tree):
    listed = await tree.request("x.admin", "GET", USERS, params={"organization_id": tree.orgs["C"]})
    assert [u["username"] for u in listed.json()["items"]] == ["c.agent"]
    admins = await tree.request("x.admin", "GET", USERS, params={"role": "org_admin"})
    assert [u["username"] for u in admins.json()["items"]] == ["x.admin"]
    search = await tree.request("x.admin", "GET", USERS, params={"q": "C.AGENT"})
    assert [u["username"] for u in search.json()["items"]] == ["c.agent"]
    await tree.request("x.admin", "PATCH", f"{USERS}/{tree.users['x.agent']}", {"active": False})
    inactive = await tree.request("x.admin", "GET", USERS, params={"active": "false"})
    assert [u["username"] for u in inactive.json()["items"]] == ["x.agent"]


async def test_password_change_is_never_stored_for_replay(tree: Tree):
    from services.common.models import IdempotencyKey

    body = {"current_password": PASSWORD, "new_password": "Nakheel-2026-Y"}
    changed = await tree.request(
        "x.agent", "POST", f"{USERS}/me/password", body, headers={"Idempotency-Key": "pw-1"}
    )
    assert changed.status_code == 204
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        assert await session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    not_json = await tree.http.post(
        f"{USERS}/me/password",
        content=b"current_password=x",
        headers=tree.auth("x.agent") | {"Content-Type": "text/plain"},
    )
    problem(not_json, 415, "unsupported_media_type")
