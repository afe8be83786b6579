"""Organizations: tree rules, inheritance, re-parenting, holidays, bad input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from services.common.models import AuditEntry
from services.common.orgtree import work_calendar
from services.directory.models import Organization
from tests.directory.conftest import Tree, fields_of, problem, unique

ORGS = "/v1/organizations"


async def _create(tree: Tree, caller: str = "sector", **body) -> dict:
    payload = {"kind": "unit", "code": unique("O-"), "name_ar": "وحدة"} | body
    response = await tree.request(caller, "POST", ORGS, payload)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{ORGS}/{response.json()['id']}"
    assert response.headers["etag"]
    return response.json()


async def _counts(tree: Tree) -> tuple[int, int]:
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        orgs = await session.scalar(select(func.count()).select_from(Organization))
        audit = await session.scalar(select(func.count()).select_from(AuditEntry))
    return int(orgs or 0), int(audit or 0)


async def _path(tree: Tree, org_id: str) -> str:
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        return str(await session.scalar(select(Organization.path).where(Organization.id == org_id)))


async def test_create_shows_own_and_effective_values(tree: Tree):
    ministry = await _create(
        tree,
        kind="ministry",
        name_ar="وزارة الداخلية",
        name_en="Ministry of Interior",
        timezone="Asia/Bahrain",
        weekend=["saturday", "friday"],
        work_start="07:00",
        work_end="14:00",
    )
    assert ministry["weekend"] == ["friday", "saturday"] and ministry["depth"] == 0
    assert ministry["name_ar"] == "وزارة الداخلية"
    governorate = await _create(
        tree,
        kind="governorate",
        parent_id=ministry["id"],
        name_ar="محافظة العاصمة",
        work_end="15:00",
    )
    assert governorate["timezone"] is None and governorate["weekend"] is None
    assert governorate["work_end"] == "15:00:00" and governorate["depth"] == 1
    assert governorate["effective"] == {
        "timezone": "Asia/Bahrain",
        "weekend": ["friday", "saturday"],
        "work_start": "07:00:00",
        "work_end": "15:00:00",
    }
    fetched = await tree.request("sector", "GET", f"{ORGS}/{governorate['id']}")
    assert fetched.json() == governorate
    assert fetched.headers["etag"]


async def test_get_sends_what_the_validated_model_sends(tree: Tree):
    """GET by id is one prepared statement encoded straight to JSON: below the caller's
    organization it answers exactly what the validated model answers on a PATCH (the same
    ETag), an empty weekend stays empty, and the parent, a sibling or an unknown id is 404."""
    unit = await _create(
        tree,
        caller="x.admin",
        parent_id=tree.orgs["C"],
        name_ar="وحدة <b>الطوارئ</b> 🚨",
        weekend=[],
        work_start="07:30",
    )
    patched = await tree.request(
        "x.admin", "PATCH", f"{ORGS}/{unit['id']}", {"name_en": "Emergency unit"}
    )
    assert patched.status_code == 200, patched.text
    fetched = await tree.request("x.admin", "GET", f"{ORGS}/{unit['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == patched.json()
    assert fetched.headers["etag"] == patched.headers["etag"]
    body = fetched.json()
    assert body["name_ar"] == "وحدة <b>الطوارئ</b> 🚨" and body["depth"] == 3
    assert body["weekend"] == [] and body["effective"]["weekend"] == []
    assert body["effective"]["work_start"] == "07:30:00"
    assert body["effective"]["timezone"] == "Asia/Riyadh"
    for caller, org in (("x.agent", tree.orgs["P"]), ("x.admin", tree.orgs["S"])):
        problem(await tree.request(caller, "GET", f"{ORGS}/{org}"), 404)
    problem(
        await tree.request("x.admin", "GET", f"{ORGS}/00000000-0000-4000-8000-000000000000"), 404
    )


async def test_defaults_apply_at_the_root(tree: Tree):
    root = await _create(tree, kind="ministry")
    assert root["effective"] == {
        "timezone": "Asia/Riyadh",
        "weekend": ["friday", "saturday"],
        "work_start": "08:00:00",
        "work_end": "16:00:00",
    }


async def test_null_reverts_to_inherited_and_empty_weekend_is_kept(tree: Tree):
    unit = await _create(tree, parent_id=tree.orgs["X"], timezone="Asia/Baghdad", weekend=[])
    assert unit["effective"]["timezone"] == "Asia/Baghdad"
    assert unit["weekend"] == [] and unit["effective"]["weekend"] == []
    reverted = await tree.request(
        "sector", "PATCH", f"{ORGS}/{unit['id']}", {"timezone": None, "weekend": None}
    )
    assert reverted.status_code == 200
    assert reverted.json()["timezone"] is None
    assert reverted.json()["effective"]["timezone"] == "Asia/Riyadh"
    assert reverted.json()["effective"]["weekend"] == ["friday", "saturday"]


async def test_orgtree_read_model_agrees(tree: Tree):
    await tree.request(
        "sector",
        "PATCH",
        f"{ORGS}/{tree.orgs['P']}",
        {"timezone": "Asia/Baghdad", "weekend": ["friday"]},
    )
    await tree.request(
        "sector",
        "POST",
        f"{ORGS}/{tree.orgs['P']}/holidays",
        {"date": "2026-10-03", "name_ar": "اليوم الوطني"},
    )
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        calendar = await work_calendar(session, tree.orgs["C"])  # type: ignore[arg-type]
    assert calendar.timezone == "Asia/Baghdad" and calendar.weekend == (4,)
    assert [str(d) for d in calendar.holidays] == ["2026-10-03"]


async def test_bad_input_names_the_field_and_writes_nothing(tree: Tree):
    before = await _counts(tree)
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"timezone": "Mars/Olympus"}, 422, "timezone"),
        ({"weekend": ["friday", "funday"]}, 422, "weekend.1"),
        ({"kind": "castle"}, 422, "kind"),
        ({"code": "has space"}, 422, "code"),
        ({"name_ar": "  "}, 422, "name_ar"),
        ({"parent_id": "00000000-0000-0000-0000-000000000000"}, 404, "parent_id"),
        ({"work_start": "17:00", "work_end": "09:00"}, 422, "work_end"),
        ({"extra": 1}, 422, "extra"),
    ]
    for change, status, field in cases:
        body = {
            "kind": "unit",
            "code": unique("B-"),
            "name_ar": "وحدة",
            "parent_id": tree.orgs["X"],
        } | change
        response = await tree.request("x.admin", "POST", ORGS, body)
        assert field in fields_of(problem(response, status)), (change, response.text)
    assert await _counts(tree) == before


async def test_duplicate_code_is_409_naming_code(tree: Tree):
    first = await _create(tree, parent_id=tree.orgs["X"])
    again = await tree.request(
        "sector",
        "POST",
        ORGS,
        {"kind": "unit", "code": first["code"], "name_ar": "أخرى", "parent_id": tree.orgs["X"]},
    )
    assert fields_of(problem(again, 409, "duplicate")) == {"code"}
    clash = await tree.request(
        "sector", "PATCH", f"{ORGS}/{tree.orgs['C']}", {"code": first["code"]}
    )
    assert fields_of(problem(clash, 409, "duplicate")) == {"code"}


async def test_kind_rules(tree: Tree):
    cases = [
        ({"kind": "region", "parent_id": tree.orgs["X"]}, "parent_id"),  # region under region
        ({"kind": "region"}, "parent_id"),  # a region needs a parent
        ({"kind": "ministry", "parent_id": tree.orgs["P"]}, "parent_id"),  # ministry is a root
    ]
    for body, field in cases:
        response = await tree.request(
            "sector", "POST", ORGS, {"code": unique("K-"), "name_ar": "جهة"} | body
        )
        assert fields_of(problem(response, 422)) == {field}, body
    unit = await _create(tree, parent_id=tree.orgs["C"])
    under_unit = await tree.request(
        "sector",
        "POST",
        ORGS,
        {"kind": "municipality", "code": unique("K-"), "name_ar": "بلدية", "parent_id": unit["id"]},
    )
    assert fields_of(problem(under_unit, 422)) == {"parent_id"}
    assert (await _create(tree, parent_id=unit["id"]))["depth"] == 4  # units nest
    # X has a municipality child: X cannot become a unit
    to_unit = await tree.request("sector", "PATCH", f"{ORGS}/{tree.orgs['X']}", {"kind": "unit"})
    assert fields_of(problem(to_unit, 422)) == {"kind"}


async def test_reparenting_moves_the_whole_subtree(tree: Tree):
    grandchild = await _create(tree, parent_id=tree.orgs["C"])
    moved = await tree.request(
        "sector", "PATCH", f"{ORGS}/{tree.orgs['C']}", {"parent_id": tree.orgs["S"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_id"] == tree.orgs["S"]
    s_path = await _path(tree, tree.orgs["S"])
    assert await _path(tree, tree.orgs["C"]) == f"{s_path}.{tree.orgs['C'].replace('-', '')}"
    assert (await _path(tree, grandchild["id"])).startswith(s_path + ".")
    # the admin of X no longer sees C nor what is below it
    assert (await tree.request("x.admin", "GET", f"{ORGS}/{grandchild['id']}")).status_code == 404
    audit = await tree.request(
        "sector", "GET", f"/v1/audit?resource_id={tree.orgs['C']}&action=move"
    )
    assert audit.json()["items"][0]["changes"]["parent_id"] == [tree.orgs["X"], tree.orgs["S"]]


async def test_reparenting_refuses_cycles(tree: Tree):
    grandchild = await _create(tree, parent_id=tree.orgs["C"])
    for target in (tree.orgs["X"], grandchild["id"]):
        response = await tree.request(
            "sector", "PATCH", f"{ORGS}/{tree.orgs['X']}", {"parent_id": target}
        )
        assert fields_of(problem(response, 409, "cycle")) == {"parent_id"}
    assert (await _path(tree, tree.orgs["C"])).startswith(await _path(tree, tree.orgs["X"]))


async def test_who_may_move_what(tree: Tree):
    for change in ({"parent_id": tree.orgs["S"]}, {"active": False}, {"kind": "governorate"}):
        own = await tree.request("x.admin", "PATCH", f"{ORGS}/{tree.orgs['X']}", change)
        assert fields_of(problem(own, 403)) == set(change), change
    same = await tree.request(
        "x.admin", "PATCH", f"{ORGS}/{tree.orgs['X']}", {"active": True, "work_start": "07:00"}
    )
    assert same.status_code == 200
    to_sibling = await tree.request(
        "x.admin", "PATCH", f"{ORGS}/{tree.orgs['C']}", {"parent_id": tree.orgs["S"]}
    )
    assert fields_of(problem(to_sibling, 404)) == {"parent_id"}
    root = await tree.request(
        "x.admin", "POST", ORGS, {"kind": "ministry", "code": unique("R-"), "name_ar": "وزارة"}
    )
    assert fields_of(problem(root, 403)) == {"parent_id"}
    unit = await _create(tree, "x.admin", parent_id=tree.orgs["C"])
    inside = await tree.request(
        "x.admin", "PATCH", f"{ORGS}/{unit['id']}", {"parent_id": tree.orgs["X"]}
    )
    assert inside.status_code == 200 and inside.json()["depth"] == 2
    made_root = await tree.request("sector", "PATCH", f"{ORGS}/{unit['id']}", {"parent_id": None})
    assert fields_of(problem(made_root, 422)) == {"parent_id"}  # a unit cannot be a root
    governorate = await _create(tree, kind="governorate", parent_id=tree.orgs["P"])
    free = await tree.request("sector", "PATCH", f"{ORGS}/{governorate['id']}", {"parent_id": None})
    assert free.status_code == 200 and free.json()["depth"] == 0


async def test_if_match_and_etag(tree: Tree):
    url = f"{ORGS}/{tree.orgs['C']}"
    etag = (await tree.request("x.admin", "GET", url)).headers["etag"]
    stale = await tree.request(
        "x.admin", "PATCH", url, {"name_en": "a"}, headers={"If-Match": '"stale"'}
    )
    problem(stale, 412, "precondition_failed")
    fresh = await tree.request(
        "x.admin", "PATCH", url, {"name_en": "b"}, headers={"If-Match": etag}
    )
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    again = await tree.request(
        "x.admin", "PATCH", url, {"name_en": "c"}, headers={"If-Match": etag}
    )
    problem(again, 412)


async def test_idempotency_key_creates_one(tree: Tree):
    body = {"kind": "unit", "code": unique("I-"), "name_ar": "وحدة", "parent_id": tree.orgs["X"]}
    headers = {"Idempotency-Key": "create-unit-1"}
    before = await _counts(tree)
    first = await tree.request("x.admin", "POST", ORGS, body, headers=headers)
    again = await tree.request("x.admin", "POST", ORGS, body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert (await _counts(tree))[0] == before[0] + 1
    other = await tree.request("x.admin", "POST", ORGS, body | {"name_ar": "أخرى"}, headers=headers)
    problem(other, 409, "idempotency_key_reused")


async def test_list_filters_and_arabic_search(tree: Tree):
    await _create(
        tree,
        parent_id=tree.orgs["X"],
        name_ar="المركز الإعلامي بالأحساء",
        name_en="Al-Ahsa Media Center",
    )
    await _create(tree, parent_id=tree.orgs["X"], name_ar="إدارة العلاقات العامة")
    children = await tree.request("x.admin", "GET", f"{ORGS}?parent_id={tree.orgs['X']}")
    assert {o["parent_id"] for o in children.json()["items"]} == {tree.orgs["X"]}
    assert len(children.json()["items"]) == 3
    # hamza, taa marbuta and diacritics are ignored
    for q in ("الاحساء", "الأحْسَاء", "ahsa", "العلاقات العامه", "ادارة"):
        found = (await tree.request("x.admin", "GET", ORGS, params={"q": q})).json()["items"]
        assert len(found) == 1, q
    units = (await tree.request("x.admin", "GET", ORGS, params={"kind": "unit"})).json()
    assert len(units["items"]) == 2
    percent = (await tree.request("x.admin", "GET", ORGS, params={"q": "%"})).json()
    assert percent["items"] == []


async def test_pagination_walks_every_organization_once(tree: Tree):
    for _ in range(5):
        await _create(tree, parent_id=tree.orgs["C"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await tree.request("x.admin", "GET", ORGS, params=params)).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


async def test_holidays_inherit_and_refuse_duplicates(tree: Tree):
    national = await tree.request(
        "sector",
        "POST",
        f"{ORGS}/{tree.orgs['P']}/holidays",
        {"date": "2026-09-23", "name_ar": "اليوم الوطني", "name_en": "National Day"},
    )
    assert national.status_code == 201, national.text
    local = await tree.request(
        "x.admin",
        "POST",
        f"{ORGS}/{tree.orgs['C']}/holidays",
        {"date": "2026-03-01", "name_ar": "إجازة محلية"},
    )
    assert local.status_code == 201 and local.json()["inherited"] is False
    listed = (await tree.request("x.agent", "GET", f"{ORGS}/{tree.orgs['C']}/holidays")).json()
    assert [(h["date"], h["inherited"]) for h in listed["items"]] == [
        ("2026-03-01", False),
        ("2026-09-23", True),
    ]
    own_only = await tree.request(
        "x.agent",
        "GET",
        f"{ORGS}/{tree.orgs['C']}/holidays",
        params={"include_inherited": "false", "from": "2026-01-01"},
    )
    assert [h["date"] for h in own_only.json()["items"]] == ["2026-03-01"]
    twice = await tree.request(
        "x.admin",
        "POST",
        f"{ORGS}/{tree.orgs['C']}/holidays",
        {"date": "2026-03-01", "name_ar": "مكرر"},
    )
    assert fields_of(problem(twice, 409, "duplicate")) == {"date"}


async def test_paths_use_id_hex_labels(tree: Tree):
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        bad = await session.scalar(
            text(
                "SELECT count(*) FROM directory_organization o WHERE subpath(o.path, -1)::text "
                "<> replace(o.id::text, '-', '')"
            )
        )
    assert bad == 0
