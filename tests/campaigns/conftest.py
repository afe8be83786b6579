"""Campaigns fixtures: the real app on a fresh migrated database and a small hub.

M ministry
├── R region
│   ├── A municipality
│   │   └── U unit
│   └── B municipality   (A's sibling)
└── S region             (R's sibling)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.campaigns.app import create_app
from services.common.settings import GovhubSettings
from tests.inquiries.factories import Directory, bearer, mint_token

PROBLEM = "application/problem+json"


@dataclass
class Hub:
    settings: GovhubSettings
    directory: Directory
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)

    def token(self, name: str) -> str:
        """`<role>@<org>` (the same person every time for a name; `#2` suffix for a
        colleague with the same role), `admin` (a sector admin), `client@<org>:<scopes>`."""
        if name == "admin":
            return mint_token(self.settings, sub="sector-admin", roles=["sector_admin"])
        who, _, where = name.partition("@")
        if who == "client":
            org, _, scopes = where.partition(":")
            return mint_token(
                self.settings,
                sub=f"client-{org}",
                org=self.orgs[org],
                scope=scopes.replace(",", " "),
                kind="client",
            )
        where = where.split("#")[0]
        sub = self.subjects.setdefault(name, str(uuid.uuid4()))
        return mint_token(self.settings, sub=sub, org=self.orgs[where], roles=[who])

    def auth(self, name: str) -> dict[str, str]:
        return bearer(self.token(name))


async def build_hub(settings: GovhubSettings) -> Hub:
    directory = await Directory.connect(settings)
    hub = Hub(settings, directory)
    orgs = hub.orgs
    orgs["M"] = await directory.organization("moma", "وزارة البلديات", kind="ministry")
    orgs["R"] = await directory.organization(
        "riyadh", "أمانة منطقة الرياض", parent=orgs["M"], kind="region"
    )
    orgs["A"] = await directory.organization("olaya", "بلدية العليا", parent=orgs["R"])
    orgs["U"] = await directory.organization(
        "olaya-media", "المركز الإعلامي ببلدية العليا", parent=orgs["A"], kind="unit"
    )
    orgs["B"] = await directory.organization("malaz", "بلدية الملز", parent=orgs["R"])
    orgs["S"] = await directory.organization(
        "eastern", "أمانة المنطقة الشرقية", parent=orgs["M"], kind="region"
    )
    await directory.channel(orgs["M"], "website")
    # the ministry's publishing channels, which the campaigns below it may name
    for kind in ("x", "tv", "radio", "whatsapp"):
        await directory.channel(orgs["M"], kind, intake=False)
    return hub


@pytest.fixture
async def client(make_client) -> httpx.AsyncClient:
    http: httpx.AsyncClient = await make_client(create_app)
    return http


@pytest.fixture
async def hub(settings, client) -> AsyncIterator[Hub]:
    world = await build_hub(settings)
    try:
        yield world
    finally:
        await world.directory.close()


async def axis_id(client: httpx.AsyncClient, hub: Hub, code: str = "health_awareness") -> str:
    response = await client.get("/v1/axes", headers=hub.auth("admin"))
    assert response.status_code == 200, response.text
    return next(a["id"] for a in response.json()["items"] if a["code"] == code)


async def create_initiative(
    client: httpx.AsyncClient, hub: Hub, org: str = "A", who: str | None = None, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": f"INI-{uuid.uuid4().hex[:8]}",
        "title_ar": "مبادرة التوعية بسلامة الغذاء",
        "organization_id": str(hub.orgs[org]),
        "axis_id": fields.pop("axis_id", None) or await axis_id(client, hub),
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
    }
    body.update(fields)
    response = await client.post(
        "/v1/initiatives", json=body, headers=hub.auth(who or f"org_admin@{org}")
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def problem(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    if code:
        assert body["code"] == code, body
    if field:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return body
