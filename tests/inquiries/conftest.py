"""Inquiries fixtures: the real app on a fresh migrated database, a small hub, a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.inquiries import clock
from services.inquiries.app import create_app
from tests.inquiries.factories import World, build_world

PROBLEM = "application/problem+json"


@pytest.fixture
async def client(make_client) -> httpx.AsyncClient:
    http: httpx.AsyncClient = await make_client(create_app)
    return http


@pytest.fixture
async def world(settings, client) -> AsyncIterator[World]:
    hub = await build_world(settings)
    try:
        yield hub
    finally:
        await hub.directory.close()


class FakeClock:
    """`services.inquiries.clock.now` pinned to a settable instant."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def set(self, value: datetime) -> None:
        self.current = value.astimezone(UTC)

    def advance(self, **delta: Any) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    fake = FakeClock(datetime.now(UTC))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def submit(
    client: httpx.AsyncClient,
    world: World | None = None,
    who: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """POST /v1/inquiries (201 expected) with sensible defaults."""
    body: dict[str, Any] = {
        "kind": "complaint",
        "channel": "website",
        "subject": "تسرب مياه في شارع الملك فهد",
        "body": "يوجد تسرب مياه مستمر منذ ثلاثة أيام أمام المنزل رقم ١٢.",
    }
    body.update(fields)
    headers = world.auth(who) if world is not None and who else {}
    response = await client.post("/v1/inquiries", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def submit_keyed_twice(
    client: httpx.AsyncClient, key: str, **fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST /v1/inquiries twice with one `Idempotency-Key` (201 expected both times): the
    answer and its replay."""
    body = {"kind": "complaint", "channel": "majlis", "subject": "بلاغ", "body": "نص البلاغ"}
    body.update(fields)
    answers = []
    for _ in range(2):
        response = await client.post("/v1/inquiries", json=body, headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        answers.append(response.json())
    return answers[0], answers[1]


async def create_category(
    client: httpx.AsyncClient, world: World, org: str, **fields: Any
) -> dict[str, Any]:
    """POST /v1/inquiry-categories for organization `org` of the world, as a sector admin."""
    response = await client.post(
        "/v1/inquiry-categories",
        headers=world.auth("admin"),
        json={"organization_id": str(world.orgs[org]), "name_ar": "تصنيف", **fields},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def create_policy(client: httpx.AsyncClient, world: World, org: str, **fields: Any) -> str:
    """POST /v1/sla-policies for organization `org` of the world; returns the policy's id."""
    response = await client.post(
        "/v1/sla-policies",
        headers=world.auth("admin"),
        json={"organization_id": str(world.orgs[org]), "name_ar": "سياسة", **fields},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def problem(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    if code:
        assert body["code"] == code, body
    if field:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return body
