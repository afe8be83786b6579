"""Every directory endpoint × {own organization, child, sibling, parent} × callers
{org_admin, agent, machine client with directory:read, machine client without a directory
scope, anonymous}: exactly the allowed cells succeed; the rest are 401/403/404 problems.

The callers work in X; the targets are X itself ("own"), its child C, its sibling S and
its parent P. Another organization's resource answers 404, never 403, so ids don't leak.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from tests.directory.conftest import PROBLEM, Tree, unique

TARGETS = {"own": "X", "child": "C", "sibling": "S", "parent": "P"}
CALLERS = ("x.admin", "x.agent", "x.reader", "x.noscope", "anonymous")
_days = itertools.count(1)

# what each caller may do: "read" = organizations/users/channels reads, "write" = their
# changes, "admin" = machine clients and the audit trail (reads and writes)
MAY = {
    "x.admin": {"read", "write", "admin"},
    "x.agent": {"read"},
    "x.reader": {"read"},
    "x.noscope": set(),
    "anonymous": set(),
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    needs: str  # read | write | admin
    success: int
    build: Callable[[Tree, str], tuple[str, str, Any]]  # (tree, org name) → method, url, body


def _user_in(tree: Tree, org: str) -> str:
    return tree.users[{"X": "x.agent", "C": "c.agent", "S": "s.agent", "P": "p.agent"}[org]]


def _client_in(tree: Tree, org: str) -> str:
    return tree.clients[org.lower()].id


ENDPOINTS = [
    # organizations
    Endpoint(
        "list organizations",
        "read",
        200,
        lambda t, o: ("GET", f"/v1/organizations?parent_id={t.orgs[o]}", None),
    ),
    Endpoint(
        "create organization",
        "write",
        201,
        lambda t, o: (
            "POST",
            "/v1/organizations",
            {"kind": "unit", "code": unique("M-"), "name_ar": "وحدة", "parent_id": t.orgs[o]},
        ),
    ),
    Endpoint(
        "get organization",
        "read",
        200,
        lambda t, o: ("GET", f"/v1/organizations/{t.orgs[o]}", None),
    ),
    Endpoint(
        "patch organization",
        "write",
        200,
        lambda t, o: ("PATCH", f"/v1/organizations/{t.orgs[o]}", {"name_en": unique("n")}),
    ),
    Endpoint(
        "list holidays",
        "read",
        200,
        lambda t, o: ("GET", f"/v1/organizations/{t.orgs[o]}/holidays", None),
    ),
    Endpoint(
        "create holiday",
        "write",
        201,
        lambda t, o: (
            "POST",
            f"/v1/organizations/{t.orgs[o]}/holidays",
            {"date": str(date(2030, 1, 1) + timedelta(days=next(_days))), "name_ar": "إجازة"},
        ),
    ),
    # users
    Endpoint(
        "list users",
        "read",
        200,
        lambda t, o: ("GET", f"/v1/users?organization_id={t.orgs[o]}", None),
    ),
    Endpoint(
        "create user",
        "write",
        201,
        lambda t, o: (
            "POST",
            "/v1/users",
            {
                "username": unique("new.user"),
                "full_name_ar": "موظف",
                "organization_id": t.orgs[o],
                "roles": ["agent"],
                "password": "Sahara-Palm-2026",
            },
        ),
    ),
    Endpoint("get user", "read", 200, lambda t, o: ("GET", f"/v1/users/{_user_in(t, o)}", None)),
    Endpoint(
        "patch user",
        "write",
        200,
        lambda t, o: ("PATCH", f"/v1/users/{_user_in(t, o)}", {"full_name_en": unique("n")}),
    ),
    # machine clients
    Endpoint(
        "list api clients",
        "admin",
        200,
        lambda t, o: ("GET", f"/v1/api-clients?organization_id={t.orgs[o]}", None),
    ),
    Endpoint(
        "create api client",
        "admin",
        201,
        lambda t, o: (
            "POST",
            "/v1/api-clients",
            {"name": "نظام", "organization_id": t.orgs[o], "scopes": ["inquiries:read"]},
        ),
    ),
    Endpoint(
        "get api client",
        "admin",
        200,
        lambda t, o: ("GET", f"/v1/api-clients/{_client_in(t, o)}", None),
    ),
    Endpoint(
        "patch api client",
        "admin",
        200,
        lambda t, o: ("PATCH", f"/v1/api-clients/{_client_in(t, o)}", {"name": unique("n")}),
    ),
    Endpoint(
        "rotate api client secret",
        "admin",
        200,
        lambda t, o: ("POST", f"/v1/api-clients/{_client_in(t, o)}/rotate-secret", None),
    ),
    # channels
    Endpoint(
        "list channels",
        "read",
        200,
        lambda t, o: ("GET", f"/v1/channels?organization_id={t.orgs[o]}", None),
    ),
    Endpoint(
        "create channel",
        "write",
        201,
        lambda t, o: (
            "POST",
            "/v1/channels",
            {"organization_id": t.orgs[o], "kind": "majlis", "name_ar": "المجلس الأسبوعي"},
        ),
    ),
    Endpoint(
        "get channel", "read", 200, lambda t, o: ("GET", f"/v1/channels/{t.channels[o]}", None)
    ),
    Endpoint(
        "patch channel",
        "write",
        200,
        lambda t, o: ("PATCH", f"/v1/channels/{t.channels[o]}", {"name_en": unique("n")}),
    ),
    # audit
    Endpoint(
        "read audit",
        "admin",
        200,
        lambda t, o: ("GET", f"/v1/audit?organization_id={t.orgs[o]}", None),
    ),
]


def expected(caller: str, needs: str, target: str, success: int) -> int:
    if caller == "anonymous":
        return 401
    if needs not in MAY[caller]:
        return 403
    return success if target in ("own", "child") else 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
async def test_matrix(tree: Tree, endpoint: Endpoint):
    wrong = []
    for caller, (target, org) in itertools.product(CALLERS, TARGETS.items()):
        method, url, body = endpoint.build(tree, org)
        response = await tree.request(caller, method, url, body)
        want = expected(caller, endpoint.needs, target, endpoint.success)
        if response.status_code != want:
            wrong.append(
                f"{caller} → {target}: {response.status_code} (want {want}) {response.text[:160]}"
            )
        elif want >= 400 and response.headers["content-type"] != PROBLEM:
            wrong.append(f"{caller} → {target}: {want} is not a problem document")
    assert not wrong, "\n".join(wrong)


SELF_SERVICE = [
    ("GET", "/v1/users/me", None, 200),
    (
        "POST",
        "/v1/users/me/password",
        {"current_password": "Sahara-Palm-2026", "new_password": "Sahara-Palm-2027"},
        204,
    ),
]


@pytest.mark.parametrize(("method", "url", "body", "success"), SELF_SERVICE)
async def test_self_service_matrix(tree: Tree, method, url, body, success):
    """Any signed-in staff member; never a machine client (403) nor anonymous (401)."""
    assert (await tree.request("x.agent", method, url, body)).status_code == success
    assert (await tree.request("x.reader", method, url, body)).status_code == 403
    assert (await tree.request("x.noscope", method, url, body)).status_code == 403
    assert (await tree.request("anonymous", method, url, body)).status_code == 401


async def test_lists_show_only_the_subtree(tree: Tree):
    own = {tree.orgs["X"], tree.orgs["C"]}
    for caller in ("x.admin", "x.agent", "x.reader"):
        orgs = (await tree.request(caller, "GET", "/v1/organizations")).json()["items"]
        assert {o["id"] for o in orgs} == own, caller
        users = (await tree.request(caller, "GET", "/v1/users")).json()["items"]
        assert {u["organization_id"] for u in users} <= own and users, caller
        channels = (await tree.request(caller, "GET", "/v1/channels")).json()["items"]
        assert {c["organization_id"] for c in channels} == own, caller
    clients = (await tree.request("x.admin", "GET", "/v1/api-clients")).json()["items"]
    assert {c["organization_id"] for c in clients} == own
    audit = (await tree.request("x.admin", "GET", "/v1/audit?limit=500")).json()["items"]
    assert audit and {a["organization_id"] for a in audit} <= own


async def test_sector_admin_sees_everything(tree: Tree):
    orgs = (await tree.request("sector", "GET", "/v1/organizations")).json()["items"]
    assert set(tree.orgs.values()) <= {o["id"] for o in orgs}
    for org in tree.orgs.values():
        assert (await tree.request("sector", "GET", f"/v1/organizations/{org}")).status_code == 200


async def test_machine_client_with_directory_write(tree: Tree):
    """directory:write lets a client change its subtree and create users without a password
    and without a role its scopes do not cover (here: none, every role reads inquiries);
    it never manages machine clients or reads the audit trail."""
    org = tree.orgs["C"]
    made = await tree.request(
        "x.writer",
        "POST",
        "/v1/channels",
        {"organization_id": org, "kind": "app", "name_ar": "التطبيق"},
    )
    assert made.status_code == 201
    base = {"full_name_ar": "موظف", "organization_id": org}
    for roles in (["agent"], ["org_admin"]):
        refused = await tree.request(
            "x.writer", "POST", "/v1/users", {**base, "username": "by.client", "roles": roles}
        )
        assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "roles"
    user = await tree.request("x.writer", "POST", "/v1/users", {**base, "username": "by.client"})
    assert user.status_code == 201, user.text
    assert user.json()["password_changed_at"] is None
    assert (await tree.request("x.writer", "GET", "/v1/api-clients")).status_code == 403
    assert (await tree.request("x.writer", "GET", "/v1/audit")).status_code == 403
