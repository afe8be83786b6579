"""Journeys through the gateway of a running hub with `make run`'s demo data: sign-in and
visibility (issue 3), and an inquiry's whole life (issue 4)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.database import DatabaseFactory
from tests.e2e.stack import ADMIN_PASSWORD, DEMO_PASSWORD, Stack, start_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def module_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def hub(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(module_database, tmp_path_factory.mktemp("hub") / "data")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(hub: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.base, timeout=15) as client:
        yield client


def login(api: httpx.Client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = api.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def org_id(api: httpx.Client, headers: dict[str, str], code: str) -> str:
    items = api.get("/v1/organizations", params={"limit": 500}, headers=headers).json()["items"]
    return next(o["id"] for o in items if o["code"] == code)


def test_sign_in_and_visibility_through_the_gateway(api: httpx.Client) -> None:
    admin = login(api, "admin", ADMIN_PASSWORD)
    riyadh = org_id(api, admin, "RIYADH")
    eastern = org_id(api, admin, "EASTERN")
    ministry = org_id(api, admin, "MOMRAH")

    # staff: own subtree yes; a sibling region and the parent ministry are 404, not 403
    riyadh_admin = login(api, "riyadh.admin")
    assert api.get(f"/v1/organizations/{riyadh}", headers=riyadh_admin).status_code == 200
    for hidden in (eastern, ministry):
        response = api.get(f"/v1/organizations/{hidden}", headers=riyadh_admin)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    # an agent may read but not create
    agent = login(api, "riyadh.agent")
    refused = api.post(
        "/v1/organizations",
        headers=agent,
        json={"parent_id": riyadh, "kind": "unit", "code": "X-1", "name_ar": "وحدة"},
    )
    assert refused.status_code == 403
    # anonymous: 401 problem
    assert api.get("/v1/users").status_code == 401

    jwks = api.get("/.well-known/jwks.json").json()
    assert jwks["keys"][0]["alg"] == "EdDSA"

    # forged tokens are refused at the gateway's door and the service's
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    claims = {
        "iss": "govhub",
        "aud": "govhub",
        "sub": "x",
        "org": ministry,
        "roles": ["sector_admin"],
        "exp": int(time.time()) + 600,
        "iat": int(time.time()),
    }
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = {"Authorization": f"Bearer {header}.{payload}."}
    assert api.get("/v1/organizations", headers=forged).status_code == 401
    assert api.get("/v1/inquiries", headers=forged).status_code == 401


def test_machine_client_credentials(api: httpx.Client) -> None:
    from services.common.settings import GovhubSettings
    from services.directory.demo.loader import demo_client_secret

    secret = demo_client_secret(GovhubSettings(demo_password=DEMO_PASSWORD))
    token = api.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-ministry-client", secret),
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert api.get("/v1/inquiries", headers=headers).status_code == 200
    # it holds inquiries and directory read scopes, but no directory write scope
    ministry = org_id(api, headers, "MOMRAH")
    channel = {"organization_id": ministry, "kind": "website", "name_ar": "بوابة"}
    assert api.post("/v1/channels", headers=headers, json=channel).status_code == 403
    wrong = api.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-ministry-client", "wrong"),
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_a_complaint_from_an_anonymous_citizen_to_closed(api: httpx.Client) -> None:
    eastern_admin = login(api, "eastern.admin")
    admin = login(api, "admin", ADMIN_PASSWORD)
    eastern, alahsa, qatif = (org_id(api, admin, c) for c in ("EASTERN", "ALAHSA", "QATIF"))
    category = api.post(
        "/v1/inquiry-categories",
        headers=eastern_admin,
        json={
            "organization_id": eastern,
            "code": "e2e-lighting",
            "name_ar": "إنارة الطرق",
            "name_en": "Street lighting",
            "public": True,
            "routing_organization_id": alahsa,
        },
    )
    assert category.status_code == 201, category.text

    created = api.post(
        "/v1/inquiries",
        headers={"Idempotency-Key": "e2e-complaint-1"},
        json={
            "kind": "complaint",
            "channel": "whatsapp",
            "subject": "إنارة الشارع معطّلة",
            "body": "أعمدة الإنارة في حي المزروعية مطفأة منذ أسبوع 🌙",
            "category_id": category.json()["id"],
            "contact": {"name": "فاطمة", "phone": "+966551234567"},
        },
    )
    assert created.status_code == 201, created.text
    receipt = created.json()
    assert receipt["organization_id"] == alahsa  # routed by the category
    retried = api.post(
        "/v1/inquiries",
        headers={"Idempotency-Key": "e2e-complaint-1", "Content-Type": "application/json"},
        content=created.request.content,
    )
    assert retried.status_code == 201 and retried.json()["id"] == receipt["id"]
    inquiry, reference, token = receipt["id"], receipt["reference"], receipt["tracking_token"]
    citizen = {"X-Tracking-Token": token}

    staff = login(api, "alahsa.coordinator")
    me = api.get("/v1/users/me", headers=staff).json()["id"]
    assigned = api.post(f"/v1/inquiries/{inquiry}/assign", headers=staff, json={"assignee_id": me})
    assert assigned.status_code == 200, assigned.text
    note = api.post(
        f"/v1/inquiries/{inquiry}/messages",
        headers=staff,
        json={"visibility": "internal", "body": "داخلي: بلاغ لشركة الكهرباء"},
    )
    assert note.status_code == 201
    reply = api.post(
        f"/v1/inquiries/{inquiry}/messages",
        headers=staff,
        json={"visibility": "public", "body": "شكراً لبلاغك، نعمل عليه"},
    )
    assert reply.status_code == 201
    ask = api.post(
        f"/v1/inquiries/{inquiry}/messages",
        headers=staff,
        json={"visibility": "public", "body": "ما رقم العمود؟", "await_citizen": True},
    )
    assert ask.status_code == 201
    assert api.get(f"/v1/inquiries/{inquiry}", headers=staff).json()["status"] == (
        "awaiting_citizen"
    )

    view = api.get(f"/v1/inquiries/track/{reference}", headers=citizen)
    assert view.status_code == 200 and "داخلي" not in view.text and "فاطمة" not in view.text
    answer = api.post(
        f"/v1/inquiries/track/{reference}/messages", headers=citizen, json={"body": "العمود رقم ٣٤"}
    )
    assert answer.status_code == 201
    assert api.get(f"/v1/inquiries/{inquiry}", headers=staff).json()["status"] == "in_progress"

    resolved = api.post(
        f"/v1/inquiries/{inquiry}/resolve", headers=staff, json={"resolution": "تم إصلاح الإنارة"}
    )
    assert resolved.status_code == 200
    survey = api.post(
        f"/v1/inquiries/{inquiry}/survey", headers=citizen, json={"rating": 5, "comment": "ممتاز"}
    )
    assert survey.status_code == 201
    twice = api.post(f"/v1/inquiries/{inquiry}/survey", headers=citizen, json={"rating": 4})
    assert twice.status_code == 409
    closed = api.post(f"/v1/inquiries/{inquiry}/close", headers=staff, json={})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api.post(
        f"/v1/inquiries/{inquiry}/resolve", headers=staff, json={"resolution": "مرة أخرى"}
    )
    assert again.status_code == 409

    # a transfer between two municipalities of the region
    second = api.post(
        "/v1/inquiries",
        json={
            "kind": "request",
            "channel": "whatsapp",
            "subject": "طلب رصف",
            "body": "نطلب رصف الطريق",
            "organization_id": alahsa,
        },
    ).json()
    moved = api.post(
        f"/v1/inquiries/{second['id']}/transfer",
        headers=eastern_admin,
        json={"organization_id": qatif, "reason": "الموقع ضمن نطاق القطيف"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["organization_id"] == qatif
    # the municipality that gave it away no longer sees it
    assert api.get(f"/v1/inquiries/{second['id']}", headers=staff).status_code == 404


def test_a_media_request_with_a_deadline(api: httpx.Client) -> None:
    admin = login(api, "admin", ADMIN_PASSWORD)
    riyadh = org_id(api, admin, "RIYADH")
    spokesperson = login(api, "riyadh.admin")
    deadline = datetime.now(UTC) + timedelta(hours=2)
    created = api.post(
        "/v1/inquiries",
        headers=spokesperson,
        json={
            "kind": "media_request",
            "channel": "phone",
            "organization_id": riyadh,
            "outlet": "قناة الإخبارية",
            "subject": "موعد افتتاح الحديقة",
            "body": "متى تفتتح الحديقة الجديدة؟",
            "deadline": deadline.isoformat(),
            "contact": {"name": "مراسل", "email": "reporter@example.com"},
        },
    )
    assert created.status_code == 201, created.text
    receipt = created.json()
    assert receipt["priority"] == "high"
    assert datetime.fromisoformat(receipt["resolution_due"]) <= deadline
    past = api.post(
        "/v1/inquiries",
        headers=spokesperson,
        json={
            "kind": "media_request",
            "channel": "phone",
            "organization_id": riyadh,
            "outlet": "صحيفة",
            "subject": "س",
            "body": "س",
            "deadline": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "contact": {"name": "مراسل", "email": "reporter@example.com"},
        },
    )
    assert past.status_code == 422, past.text
    assert any(e["field"] == "deadline" for e in past.json()["errors"]), past.text
