"""Bad input gets a 4xx problem naming what is wrong; retries don't duplicate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.inquiries.app import create_app
from tests.inquiries.conftest import problem

VALID = {
    "kind": "complaint",
    "channel": "website",
    "subject": "حفرة في الطريق",
    "body": "حفرة كبيرة أمام المدرسة",
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "telegram"}, "channel"),
        ({"channel": str(uuid.uuid4())}, "channel"),
        ({"channel": "majlis", "organization_id": "R"}, "channel"),  # only A, below R, has it
        ({"category_id": str(uuid.uuid4())}, "category_id"),
        ({"organization_id": None}, "organization_id"),
        ({"organization_id": str(uuid.uuid4())}, "organization_id"),
        ({"contact": {"phone": "0501234567"}}, "contact.phone"),
        ({"contact": {"phone": "+96650"}}, "contact.phone"),
        ({"contact": {"phone": "+966 50 123 4567 ext"}}, "contact.phone"),
        ({"contact": {"email": "not-an-email"}}, "contact.email"),
        ({"location": {"lat": 91, "long": 46}}, "location.lat"),
        ({"kind": "gossip"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"body": "a\x00b"}, "body"),
        ({"subject": "x" * 301}, "subject"),
        ({"extra": 1}, "extra"),
        ({"deadline": "2030-01-01T10:00:00+03:00"}, "deadline"),  # not a media request
        (
            {
                "kind": "media_request",
                "outlet": "جريدة",
                "deadline": "2020-01-01T10:00:00+03:00",
                "contact": {"email": "a@example.com"},
            },
            "deadline",
        ),  # in the past
        (
            {
                "kind": "media_request",
                "deadline": "2030-01-01T10:00:00+03:00",
                "contact": {"email": "a@example.com"},
            },
            "outlet",
        ),
        (
            {"kind": "media_request", "outlet": "جريدة", "contact": {"email": "a@example.com"}},
            "deadline",
        ),
        (
            {"kind": "media_request", "outlet": "جريدة", "deadline": "2030-01-01T10:00:00+03:00"},
            "contact",
        ),
        (
            {"kind": "media_request", "outlet": "جريدة", "deadline": "2030-01-01T10:00:00"},
            "deadline",
        ),  # no offset
    ],
)
async def test_intake_rejects(client, world, changes, field):
    body = {**VALID, "organization_id": str(world.orgs["A"]), **changes}
    if body.get("organization_id") in world.orgs:
        body["organization_id"] = str(world.orgs[body["organization_id"]])
    if body.get("organization_id") is None:
        body.pop("organization_id")
    response = await client.post("/v1/inquiries", json=body, headers={"Accept-Language": "en"})
    problem(response, 422, "validation_failed", field)


async def test_category_rules_at_intake(client, world):
    admin = world.auth("admin")
    internal = (
        await client.post(
            "/v1/inquiry-categories",
            headers=admin,
            json={"organization_id": str(world.orgs["S"]), "code": "internal", "name_ar": "داخلي"},
        )
    ).json()
    public = (
        await client.post(
            "/v1/inquiry-categories",
            headers=admin,
            json={
                "organization_id": str(world.orgs["S"]),
                "code": "public",
                "name_ar": "عام",
                "public": True,
            },
        )
    ).json()
    inactive = (
        await client.post(
            "/v1/inquiry-categories",
            headers=admin,
            json={
                "organization_id": str(world.orgs["S"]),
                "code": "old",
                "name_ar": "قديم",
                "public": True,
                "active": False,
            },
        )
    ).json()
    # a non-public category is unknown to citizens and to staff of other branches
    problem(
        await client.post("/v1/inquiries", json={**VALID, "category_id": internal["id"]}),
        422,
        field="category_id",
    )
    problem(
        await client.post(
            "/v1/inquiries",
            json={**VALID, "category_id": internal["id"]},
            headers=world.auth("coordinator@R"),
        ),
        422,
        field="category_id",
    )
    problem(
        await client.post("/v1/inquiries", json={**VALID, "category_id": inactive["id"]}),
        422,
        field="category_id",
    )
    # a public category of S cannot be sent to A (outside S's subtree)
    problem(
        await client.post(
            "/v1/inquiries",
            json={**VALID, "category_id": public["id"], "organization_id": str(world.orgs["A"])},
        ),
        422,
        field="organization_id",
    )
    ok = await client.post("/v1/inquiries", json={**VALID, "category_id": public["id"]})
    assert ok.status_code == 201 and ok.json()["organization_id"] == str(world.orgs["S"])
    staff = await client.post(
        "/v1/inquiries",
        json={**VALID, "category_id": internal["id"]},
        headers=world.auth("agent@S"),
    )
    assert staff.status_code == 201


async def test_channel_must_be_an_active_intake_channel(client, world):
    await world.directory.channel(world.orgs["A"], "instagram", intake=False)
    await world.directory.channel(world.orgs["A"], "x", active=False)
    org = str(world.orgs["A"])
    for kind in ("instagram", "x"):
        problem(
            await client.post(
                "/v1/inquiries", json={**VALID, "channel": kind, "organization_id": org}
            ),
            422,
            field="channel",
        )
    by_id = await client.post(
        "/v1/inquiries",
        json={**VALID, "channel": str(world.channels["whatsapp@R"]), "organization_id": org},
    )
    assert by_id.status_code == 201 and by_id.json()["channel"] == "whatsapp"


async def test_retried_post_with_the_same_idempotency_key_creates_one(client, world):
    body = {**VALID, "organization_id": str(world.orgs["A"])}
    headers = {"Idempotency-Key": "citizen-app-42"}
    first = await client.post("/v1/inquiries", json=body, headers=headers)
    again = await client.post("/v1/inquiries", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["tracking_token"] and again.json()["tracking_token"] is None
    count = await world.directory.conn.fetchval("SELECT count(*) FROM inquiry")
    assert count == 1
    other = await client.post("/v1/inquiries", json={**body, "subject": "آخر"}, headers=headers)
    problem(other, 409, "idempotency_key_reused")
    stored = await world.directory.conn.fetchval(
        "SELECT response_body FROM common_idempotency_key WHERE key = 'citizen-app-42'"
    )
    assert first.json()["tracking_token"] not in stored


async def test_oversize_and_non_json_bodies(make_client, world):
    client = await make_client(create_app, max_body_bytes=2048)
    big = {**VALID, "organization_id": str(world.orgs["A"]), "body": "ب" * 4000}
    problem(await client.post("/v1/inquiries", json=big), 413, "payload_too_large")
    problem(
        await client.post(
            "/v1/inquiries",
            content=b"kind=complaint",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )
    problem(
        await client.post(
            "/v1/inquiries", content=b'{"kind": ', headers={"Content-Type": "application/json"}
        ),
        400,
    )


async def test_messages_are_in_the_requested_language(client, world):
    body = {**VALID, "channel": "telegram", "organization_id": str(world.orgs["A"])}
    arabic = (await client.post("/v1/inquiries", json=body)).json()
    english = (
        await client.post("/v1/inquiries", json=body, headers={"Accept-Language": "en"})
    ).json()
    assert "القناة" in arabic["errors"][0]["message"]
    assert "channel" in english["errors"][0]["message"]
    assert english["errors"][0]["field"] == "channel"


async def test_deadline_must_be_in_the_future_even_by_a_second(client, world):
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    response = await client.post(
        "/v1/inquiries",
        json={
            **VALID,
            "kind": "media_request",
            "outlet": "إذاعة",
            "deadline": past,
            "contact": {"phone": "+966501234567"},
            "organization_id": str(world.orgs["A"]),
        },
    )
    problem(response, 422, field="deadline")


async def test_a_trailing_slash_is_a_404_problem_not_a_redirect(client, world):
    # behind the gateway a redirect's Location would name the service's own address
    response = await client.get("/v1/inquiries/", headers=world.auth("agent@R"))
    problem(response, 404)
    assert "location" not in response.headers


async def test_a_parameter_that_takes_one_value_given_twice_is_refused(client, world):
    headers = world.auth("coordinator@A")
    twice = await client.get("/v1/inquiries?q=حفرة&q=مياه", headers=headers)
    problem(twice, 422, "validation_failed", "q")
    # a parameter that takes several values may repeat
    many = await client.get("/v1/inquiries?status=new&status=in_progress", headers=headers)
    assert many.status_code == 200, many.text
    once = await client.get("/v1/inquiries?q=حفرة", headers=headers)
    assert once.status_code == 200, once.text
