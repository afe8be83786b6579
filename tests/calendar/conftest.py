"""Calendar fixtures: the real app on a fresh migrated database and a small hub.

    M ministry (channels: website, x, tv)
    ├── R region (channels: x, whatsapp)
    │   └── A municipality (channel: majlis)
    └── S region (channel: x)

Named principals (`<role>@<org>`) keep one subject each, so "who wrote it" is stable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.calendar.app import create_app
from tests.inquiries.factories import Directory, World

PROBLEM = "application/problem+json"
STAFF = (
    "agent@A",
    "coordinator@A",
    "unit_head@A",
    "org_admin@A",
    "agent@R",
    "coordinator@R",
    "unit_head@R",
    "org_admin@R",
    "agent@S",
    "unit_head@S",
    "org_admin@S",
    "agent@M",
    "unit_head@M",
    "org_admin@M",
    "spokesperson@R",
)


@pytest.fixture
async def client(make_client) -> httpx.AsyncClient:
    http: httpx.AsyncClient = await make_client(create_app)
    return http


@pytest.fixture
async def world(settings, client) -> AsyncIterator[World]:
    directory = await Directory.connect(settings)
    hub = World(settings, directory)
    orgs = hub.orgs
    orgs["M"] = await directory.organization("moma", "وزارة البلديات", kind="ministry")
    orgs["R"] = await directory.organization(
        "riyadh", "أمانة منطقة الرياض", parent=orgs["M"], kind="region"
    )
    orgs["A"] = await directory.organization("olaya", "بلدية العليا", parent=orgs["R"])
    orgs["S"] = await directory.organization(
        "eastern", "أمانة المنطقة الشرقية", parent=orgs["M"], kind="region"
    )
    for org, kinds in (
        ("M", ["website", "x", "tv"]),
        ("R", ["x", "whatsapp"]),
        ("A", ["majlis"]),
        ("S", ["x"]),
    ):
        for kind in kinds:
            hub.channels[f"{kind}@{org}"] = await directory.channel(orgs[org], kind)
    for name in STAFF:
        role, _, org = name.partition("@")
        hub.users[name] = await directory.user(
            orgs[org], name.replace("@", "-").replace("_", "-"), [role]
        )
    try:
        yield hub
    finally:
        await directory.close()


def problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


async def create_entry(
    client: httpx.AsyncClient, world: World, who: str = "agent@A", **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "press_conference",
        "title_ar": "مؤتمر صحفي لإطلاق مبادرة",
        "starts_at": "2026-03-10T10:00:00+03:00",
        "ends_at": "2026-03-10T11:00:00+03:00",
    }
    body.update(fields)
    response = await client.post("/v1/calendar/entries", json=body, headers=world.auth(who))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def act(
    client: httpx.AsyncClient, world: World, entry_id: str, action: str, who: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/calendar/entries/{entry_id}/{action}", json=body or None, headers=world.auth(who)
    )


async def window(
    client: httpx.AsyncClient, world: World, who: str, start: str, end: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/calendar/entries",
        params={"from": start, "to": end, "limit": 500, **params},
        headers=world.auth(who),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
