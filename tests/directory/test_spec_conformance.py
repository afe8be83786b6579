"""The directory answers what its spec says (issue 14, spec conformance): `Allow` lists
every method of a path, `me` is never read as an id, booleans and date-times are held to
their JSON types, working hours are local times as documented — checked against the
served spec with `jsonschema`, not only by our own reading."""

from __future__ import annotations

import jsonschema
import pytest

from tests.directory.conftest import Tree, problem


def _fields(body) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


@pytest.mark.parametrize(
    ("method", "url", "path"),
    [
        ("PATCH", "/v1/users/me", "/v1/users/me"),  # not "me" as an id (that was a 422)
        ("DELETE", "/v1/users/me", "/v1/users/me"),
        ("DELETE", "/v1/users/{x.agent}", "/v1/users/{user_id}"),  # GET and PATCH: two routes
        ("PUT", "/v1/organizations/{X}", "/v1/organizations/{organization_id}"),
    ],
)
async def test_405_allows_every_method_of_the_path(tree: Tree, method: str, url: str, path: str):
    url = url.replace("{x.agent}", tree.users["x.agent"]).replace("{X}", tree.orgs["X"])
    answer = await tree.request("x.admin", method, url)
    problem(answer, 405, "method_not_allowed")
    spec = (await tree.http.get("/openapi.json")).json()
    documented = {m.upper() for m in spec["paths"][path]}
    assert answer.headers["allow"] == ", ".join(sorted(documented))


async def test_a_number_is_not_a_boolean(tree: Tree):
    url = f"/v1/users/{tree.users['c.agent']}"
    for value in (1, 0, "true"):
        answer = await tree.request("x.admin", "PATCH", url, {"active": value})
        assert _fields(problem(answer, 422, "validation_failed")) == {"active"}, value
    ok = await tree.request("x.admin", "PATCH", url, {"active": False})
    assert ok.status_code == 200 and ok.json()["active"] is False


# the last two are RFC 3339 date-times whose UTC instant falls outside years 1–9999 (they
# reached PostgreSQL and answered 500)
@pytest.mark.parametrize(
    "value", ["0.5", "1700000000", "-1", "0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"]
)
async def test_a_number_is_not_a_date_time(tree: Tree, value: str):
    answer = await tree.request("sector", "GET", "/v1/audit", params={"to": value})
    assert _fields(problem(answer, 422, "validation_failed")) == {"to"}
    fine = await tree.request("sector", "GET", "/v1/audit", params={"to": "2026-01-01T00:00:00Z"})
    assert fine.status_code == 200, fine.text


async def test_working_hours_are_local_times_as_documented(tree: Tree):
    spec = (await tree.http.get("/openapi.json")).json()
    url = f"/v1/organizations/{tree.orgs['C']}"
    for value in ("07:30+03:00", "7:30", 730, "25:00"):
        answer = await tree.request("x.admin", "PATCH", url, {"work_start": value})
        assert _fields(problem(answer, 422, "validation_failed")) == {"work_start"}, value
    answer = await tree.request("x.admin", "PATCH", url, {"work_start": "07:30"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["work_start"] == "07:30:00"
    # the answer validates against the documented schema, formats checked
    jsonschema.validate(
        body,
        {"$ref": "#/components/schemas/OrganizationOut", "components": spec["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
