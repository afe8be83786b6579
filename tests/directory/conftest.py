"""Directory fixtures: a client on the real app, and a small organization tree with staff,
channels and machine clients, whose tokens come from the real token endpoint.

    P (ministry)
    ├── X (region)  ← "own": the callers of the matrix work here
    │   └── C (municipality)  ← "child"
    └── S (region)  ← "sibling"
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.common.db import session_scope
from services.directory.app import create_app
from services.directory.schemas.api_clients import ApiClientCreate
from services.directory.schemas.channels import ChannelCreate
from services.directory.schemas.organizations import OrganizationCreate
from services.directory.schemas.users import UserCreate
from services.directory.service import api_clients as client_service
from services.directory.service import channels as channel_service
from services.directory.service import organizations as org_service
from services.directory.service import users as user_service
from services.directory.service.common import SYSTEM
from services.directory.service.passwords import Passwords

PASSWORD = "Sahara-Palm-2026"
PROBLEM = "application/problem+json"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


async def _no_secrets_in(response: httpx.Response) -> None:
    """Every response of every directory test: no password or secret hash, ever."""
    body = await response.aread()
    text = body.decode("utf-8", errors="replace")
    assert "$argon2" not in text, f"a password hash leaked from {response.request.url}"
    assert "sha256$" not in text, f"a secret hash leaked from {response.request.url}"
    if response.headers.get("content-type", "").endswith("json") and text:
        assert "password_hash" not in text and "secret_hash" not in text


@pytest.fixture
async def client(make_client) -> httpx.AsyncClient:
    http = await make_client(create_app)
    http.event_hooks["response"].append(_no_secrets_in)
    return http


@dataclass
class ApiClientInfo:
    id: str
    client_id: str
    secret: str


@dataclass
class Tree:
    http: httpx.AsyncClient
    orgs: dict[str, str] = field(default_factory=dict)  # P, X, C, S → id
    users: dict[str, str] = field(default_factory=dict)  # username → id
    channels: dict[str, str] = field(default_factory=dict)  # org name → channel id
    clients: dict[str, ApiClientInfo] = field(default_factory=dict)  # name → client
    tokens: dict[str, str] = field(default_factory=dict)  # principal → access token

    def auth(self, principal: str | None) -> dict[str, str]:
        token = self.tokens.get(principal) if principal is not None else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def request(
        self, principal: str | None, method: str, url: str, body: Any = None, **kwargs: Any
    ) -> httpx.Response:
        headers = self.auth(principal) | kwargs.pop("headers", {})
        if body is not None:
            kwargs["json"] = body
        return await self.http.request(method, url, headers=headers, **kwargs)


async def password_token(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    response = await http.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def client_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def build_tree(http: httpx.AsyncClient) -> Tree:
    app = http.app  # type: ignore[attr-defined]
    passwords = Passwords(app.state.settings)
    tree = Tree(http)
    async with session_scope(app.state.sessionmaker) as session:
        layout = [
            ("P", "ministry", None, "وزارة الاختبار", "Test ministry"),
            ("X", "region", "P", "أمانة منطقة الاختبار", "Own region"),
            ("C", "municipality", "X", "بلدية الاختبار", "Child municipality"),
            ("S", "region", "P", "أمانة المنطقة المجاورة", "Sibling region"),
        ]
        for name, kind, parent, name_ar, name_en in layout:
            org = await org_service.create(
                session,
                SYSTEM,
                OrganizationCreate(
                    kind=kind,
                    code=unique(f"T-{name}-"),
                    name_ar=name_ar,
                    name_en=name_en,
                    parent_id=tree.orgs[parent] if parent else None,
                ),
            )
            tree.orgs[name] = str(org.id)
        staff = [
            ("x.admin", "X", ["org_admin"]),
            ("x.agent", "X", ["agent"]),
            ("p.agent", "P", ["agent"]),
            ("c.agent", "C", ["agent"]),
            ("s.agent", "S", ["agent"]),
            ("sector", "P", ["sector_admin"]),
        ]
        for username, org_name, roles in staff:
            user = await user_service.create(
                session,
                SYSTEM,
                passwords,
                UserCreate(
                    username=username,
                    full_name_ar="موظف اختبار",
                    organization_id=tree.orgs[org_name],
                    roles=roles,
                    password=PASSWORD,
                ),
            )
            tree.users[username] = str(user.id)
        for org_name, org_id in tree.orgs.items():
            channel = await channel_service.create(
                session,
                SYSTEM,
                ChannelCreate(organization_id=org_id, kind="whatsapp", name_ar="واتساب"),
            )
            tree.channels[org_name] = str(channel.id)
        machine = [
            ("p", "P", ["inquiries:read"]),
            ("x", "X", ["inquiries:read"]),
            ("c", "C", ["inquiries:read"]),
            ("s", "S", ["inquiries:read"]),
            ("x.reader", "X", ["directory:read"]),
            ("x.writer", "X", ["directory:read", "directory:write"]),
        ]
        for name, org_name, scopes in machine:
            api_client, secret = await client_service.create(
                session,
                SYSTEM,
                ApiClientCreate(
                    name=f"عميل {name}", organization_id=tree.orgs[org_name], scopes=scopes
                ),
            )
            tree.clients[name] = ApiClientInfo(str(api_client.id), api_client.client_id, secret)
    for username in ("x.admin", "x.agent", "sector"):
        tree.tokens[username] = await password_token(http, username)
    for name, key in (("x", "x.noscope"), ("x.reader", "x.reader"), ("x.writer", "x.writer")):
        info = tree.clients[name]
        tree.tokens[key] = await client_token(http, info.client_id, info.secret)
    return tree


@pytest.fixture
async def tree(client: httpx.AsyncClient) -> Tree:
    return await build_tree(client)


def problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.headers
    body: dict[str, Any] = json.loads(response.text)
    if code is not None:
        assert body["code"] == code, body
    return body


def fields_of(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}
