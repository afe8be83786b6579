"""The kernel's edge rule on the directory: NUL characters and invalid UTF-8 are 4xx
problems before PostgreSQL sees them; holidays page past a date and refuse long names."""

from __future__ import annotations

import pytest

from tests.directory.conftest import Tree, fields_of, problem

ORGS = "/v1/organizations"


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"grant_type": "password", "username": "a\x00b", "password": "x"}, 422, None),
        (
            {"grant_type": "client_credentials", "client_id": "\x00", "client_secret": "s"},
            422,
            None,
        ),
    ],
)
async def test_nul_in_the_token_form_is_refused(client, form, status, code):
    response = await client.post("/v1/auth/token", data=form)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_invalid_utf8_in_a_form_is_400(client):
    response = await client.post(
        "/v1/auth/token",
        content=b"grant_type=password&username=%FF&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    problem(response, 400, "invalid_encoding")


async def test_nul_in_bodies_and_queries_of_organizations(tree: Tree):
    created = await tree.request(
        "sector",
        "POST",
        ORGS,
        {"parent_id": tree.orgs["P"], "code": "nul-org", "name_ar": "جهة\x00", "kind": "unit"},
    )
    assert "name_ar" in fields_of(problem(created, 422, "validation_failed"))
    listed = await tree.request("sector", "GET", ORGS, params={"q": "\x00"})
    assert fields_of(problem(listed, 422, "validation_failed")) == {"q"}
    raw = await tree.request("sector", "GET", ORGS + "?q=%FF%FE")
    problem(raw, 400, "invalid_encoding")


async def test_holidays_page_past_a_date_and_refuse_long_names(tree: Tree):
    url = f"{ORGS}/{tree.orgs['P']}/holidays"
    for day in ("2026-01-01", "2026-02-01", "2026-03-01"):
        made = await tree.request("sector", "POST", url, {"date": day, "name_ar": "إجازة"})
        assert made.status_code == 201, made.text
    seen: list[str] = []
    params: dict[str, str] = {"limit": "1"}
    while True:
        page = await tree.request("sector", "GET", url, params=params)
        assert page.status_code == 200, page.text
        seen += [h["date"] for h in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
    assert seen == ["2026-01-01", "2026-02-01", "2026-03-01"]
    long_name = await tree.request(
        "sector", "POST", url, {"date": "2026-04-01", "name_ar": "ا" * 250}
    )
    assert fields_of(problem(long_name, 422, "validation_failed")) == {"name_ar"}
