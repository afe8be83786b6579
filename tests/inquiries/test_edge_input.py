"""The kernel's edge rule on the inquiries service: NUL characters and invalid UTF-8 in
paths, query strings, JSON and form bodies are 4xx problems (or Open311 errors), never a
500 from PostgreSQL; and the intake default moves between categories in any row order."""

from __future__ import annotations

import pytest

from tests.inquiries.conftest import problem


@pytest.mark.parametrize(
    ("url", "status", "code", "field"),
    [
        ("/v1/inquiries/track/a%00b", 422, "validation_failed", "path"),
        ("/v1/inquiries?q=%00", 422, "validation_failed", "q"),
        ("/v1/inquiries?q=%FF%FE", 400, "invalid_encoding", None),
        ("/v1/inquiries/export?channel=%00", 422, "validation_failed", "channel"),
        ("/v1/inquiry-categories?q=a%00", 422, "validation_failed", "q"),
    ],
)
async def test_bad_text_in_urls_is_refused_before_the_handler(
    client, world, url, status, code, field
):
    response = await client.get(url, headers=world.auth("admin"))
    body = problem(response, status, code, field)
    assert "Traceback" not in response.text and body["status"] == status


async def test_nul_in_a_json_body_names_the_field(client, world):
    response = await client.post(
        "/v1/inquiry-categories",
        headers=world.auth("admin") | {"Content-Type": "application/json"},
        content=b'{"organization_id": "%s", "name_ar": "a\\u0000b", "code": "x"}'
        % str(world.orgs["R"]).encode(),
    )
    problem(response, 422, "validation_failed", "name_ar")
    # an escaped backslash before `u0000` is text, not a NUL
    fine = await client.post(
        "/v1/inquiry-categories",
        headers=world.auth("admin") | {"Content-Type": "application/json"},
        content=b'{"organization_id": "%s", "name_ar": "a\\\\u0000b", "code": "y"}'
        % str(world.orgs["R"]).encode(),
    )
    assert fine.status_code == 201, fine.text
    assert fine.json()["name_ar"] == "a\\u0000b"


async def test_open311_answers_its_own_errors_for_nul(client, world):
    response = await client.get("/open311/v2/services.json?jurisdiction_id=%00")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "jurisdiction_id" in response.json()[0]["description"]


async def test_any_category_can_become_the_intake_default(client, world):
    admin = world.auth("org_admin@R")
    made = []
    for code in ("c1", "c2", "c3", "c4"):
        response = await client.post(
            "/v1/inquiry-categories",
            headers=admin,
            json={"organization_id": str(world.orgs["R"]), "name_ar": "تصنيف", "code": code},
        )
        assert response.status_code == 201, response.text
        made.append(response.json())
    # every pair (a, b) in both orders: one of them has the lower id, whatever uuid4 drew
    for first, second in [(0, 1), (1, 0), (2, 3), (3, 2), (0, 3), (3, 0)]:
        for index in (first, second):
            current = await client.get(f"/v1/inquiry-categories/{made[index]['id']}", headers=admin)
            response = await client.patch(
                f"/v1/inquiry-categories/{made[index]['id']}",
                headers=admin | {"If-Match": current.headers["etag"]},
                json={"intake_default": True},
            )
            assert response.status_code == 200, response.text
    defaults = [
        c["id"]
        for c in (await client.get("/v1/inquiry-categories", headers=admin)).json()["items"]
        if c["intake_default"] and c["organization_id"] == str(world.orgs["R"])
    ]
    assert defaults == [made[0]["id"]]
