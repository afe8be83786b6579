"""Axes, initiatives, milestones, beneficiaries and the public read, through the API."""

from __future__ import annotations

from datetime import date, timedelta

from services.campaigns import clock
from tests.campaigns.conftest import axis_id, create_initiative, problem


async def test_axes_are_seeded_and_editable_by_a_sector_admin(client, hub):
    response = await client.get("/v1/axes", headers=hub.auth("agent@A"))
    codes = {a["code"] for a in response.json()["items"]}
    assert codes == {
        "health_awareness",
        "e_services",
        "interactive_services",
        "infrastructure",
        "inspection",
        "process_improvement",
    }
    created = await client.post(
        "/v1/axes",
        json={"code": "environment", "name_ar": "البيئة"},
        headers=hub.auth("admin"),
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/v1/axes/{created.json()['id']}"
    problem(
        await client.post(
            "/v1/axes", json={"code": "x1", "name_ar": "س"}, headers=hub.auth("org_admin@M")
        ),
        403,
    )
    problem(
        await client.post(
            "/v1/axes", json={"code": "environment", "name_ar": "مكرر"}, headers=hub.auth("admin")
        ),
        409,
        "duplicate",
        "code",
    )
    stale = await client.patch(
        f"/v1/axes/{created.json()['id']}",
        json={"name_ar": "الاستدامة البيئية"},
        headers=hub.auth("admin") | {"If-Match": '"stale"'},
    )
    problem(stale, 412)
    changed = await client.patch(
        f"/v1/axes/{created.json()['id']}",
        json={"name_ar": "الاستدامة البيئية"},
        headers=hub.auth("admin") | {"If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200
    assert changed.json()["name_ar"] == "الاستدامة البيئية"


async def test_create_read_and_visibility(client, hub):
    initiative = await create_initiative(
        client,
        hub,
        "A",
        title_ar="مبادرة تحسين الأرصفة",
        participating_organization_ids=[str(hub.orgs["B"])],
        budget_planned="1500000.00",
    )
    assert initiative["status"] == "proposed"
    assert initiative["progress"] == "0.00"
    assert initiative["currency"] == "SAR"
    assert initiative["participating_organization_ids"] == [str(hub.orgs["B"])]
    url = f"/v1/initiatives/{initiative['id']}"
    for who in ("agent@A", "org_admin@R", "coordinator@M"):
        assert (await client.get(url, headers=hub.auth(who))).status_code == 200, who
    for who in ("org_admin@B", "org_admin@S", "org_admin@U"):
        problem(await client.get(url, headers=hub.auth(who)), 404)
    problem(await client.get(url), 401)
    listed = await client.get(
        "/v1/initiatives", params={"q": "الارصفه"}, headers=hub.auth("org_admin@R")
    )
    assert [i["id"] for i in listed.json()["items"]] == [initiative["id"]]
    elsewhere = await client.get("/v1/initiatives", headers=hub.auth("org_admin@S"))
    assert elsewhere.json()["items"] == []


async def test_status_moves_along_the_table_only(client, hub):
    initiative = await create_initiative(client, hub)
    url = f"/v1/initiatives/{initiative['id']}"
    headers = hub.auth("org_admin@A")
    problem(
        await client.patch(url, json={"status": "completed"}, headers=headers),
        409,
        "invalid_state",
    )
    for status in ("approved", "in_progress", "on_hold", "in_progress", "completed"):
        response = await client.patch(url, json={"status": status}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    problem(
        await client.patch(url, json={"status": "in_progress"}, headers=headers),
        409,
        "invalid_state",
    )
    problem(await client.patch(url, json={"progress": 50}, headers=headers), 422)


async def test_progress_from_weighted_milestones_and_children(client, hub):
    programme = await create_initiative(client, hub, "R", title_ar="برنامج الرياض الصحي")
    child = await create_initiative(
        client, hub, "A", who="org_admin@R", parent_id=programme["id"], weight="3"
    )
    headers = hub.auth("org_admin@R")
    m1 = await client.post(
        f"/v1/initiatives/{child['id']}/milestones",
        json={"title_ar": "إعداد المحتوى", "due_date": "2027-02-01", "weight": "40"},
        headers=headers,
    )
    assert m1.status_code == 201, m1.text
    m2 = await client.post(
        f"/v1/initiatives/{child['id']}/milestones",
        json={"title_ar": "التنفيذ الميداني", "due_date": "2027-06-01", "weight": "60"},
        headers=headers,
    )
    problem(
        await client.post(
            f"/v1/initiatives/{child['id']}/milestones",
            json={"title_ar": "زائدة", "due_date": "2027-06-01", "weight": "1"},
            headers=headers,
        ),
        409,
        "weights_exceed",
    )
    own = await client.post(
        f"/v1/initiatives/{programme['id']}/milestones",
        json={"title_ar": "اعتماد البرنامج", "due_date": "2027-01-15", "weight": "1"},
        headers=headers,
    )
    done = await client.post(
        f"/v1/milestones/{m1.json()['id']}/complete",
        json={"evidence_url": "https://example.gov.sa/e.pdf"},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_at"] is not None
    problem(
        await client.post(f"/v1/milestones/{m1.json()['id']}/complete", headers=headers),
        409,
        "invalid_state",
    )
    child_now = (await client.get(f"/v1/initiatives/{child['id']}", headers=headers)).json()
    assert child_now["progress"] == "40.00"
    # programme: its own milestone (weight 1, open) and the child (weight 3, at 40)
    programme_now = (await client.get(f"/v1/initiatives/{programme['id']}", headers=headers)).json()
    assert programme_now["progress"] == "30.00"
    await client.post(f"/v1/milestones/{own.json()['id']}/complete", headers=headers)
    await client.post(f"/v1/milestones/{m2.json()['id']}/complete", headers=headers)
    programme_now = (await client.get(f"/v1/initiatives/{programme['id']}", headers=headers)).json()
    assert programme_now["progress"] == "100.00"
    # a cycle is refused
    problem(
        await client.patch(
            f"/v1/initiatives/{programme['id']}", json={"parent_id": child["id"]}, headers=headers
        ),
        409,
        "cycle",
    )


async def test_overdue_list_and_sweep_emit_once(client, hub, settings, monkeypatch):
    from services.campaigns.service.milestones import sweep_overdue
    from services.common.db import build_engine, build_sessionmaker

    initiative = await create_initiative(client, hub, "U", who="org_admin@A")
    headers = hub.auth("org_admin@A")
    today = clock.today()
    late = await client.post(
        f"/v1/initiatives/{initiative['id']}/milestones",
        json={"title_ar": "متأخرة", "due_date": str(today - timedelta(days=3)), "weight": "10"},
        headers=headers,
    )
    await client.post(
        f"/v1/initiatives/{initiative['id']}/milestones",
        json={"title_ar": "قادمة", "due_date": str(today + timedelta(days=3)), "weight": "10"},
        headers=headers,
    )
    listed = await client.get(
        "/v1/milestones",
        params={"overdue": "true", "organization_id": str(hub.orgs["A"])},
        headers=hub.auth("org_admin@R"),
    )
    assert [m["id"] for m in listed.json()["items"]] == [late.json()["id"]]
    assert listed.json()["items"][0]["overdue"] is True
    sibling = await client.get(
        "/v1/milestones", params={"overdue": "true"}, headers=hub.auth("org_admin@B")
    )
    assert sibling.json()["items"] == []

    engine = build_engine(settings.database_url, settings)
    try:
        sessions = build_sessionmaker(engine)
        counts = []
        for _ in range(2):
            async with sessions() as session, session.begin():
                counts.append(await sweep_overdue(session))
        async with sessions() as session:
            from sqlalchemy import text

            events = (
                (
                    await session.execute(
                        text(
                            "SELECT payload FROM common_outbox"
                            " WHERE event_type = 'milestone.overdue'"
                        )
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert counts == [1, 0]
    assert [e["milestone_id"] for e in events] == [late.json()["id"]]
    assert events[0]["days_overdue"] == 3


async def test_beneficiaries_are_summed_and_public_read(client, hub):
    initiative = await create_initiative(client, hub, "A", published=True)
    hidden = await create_initiative(client, hub, "A", published=False)
    url = f"/v1/initiatives/{initiative['id']}/beneficiaries"
    body = {
        "items": [
            {
                "organization_id": str(hub.orgs["A"]),
                "period": "2027-Q1",
                "target": 100,
                "actual": 40,
            },
            {
                "organization_id": str(hub.orgs["U"]),
                "period": "2027-Q1",
                "target": 50,
                "actual": 10,
                "segment": "youth",
            },
        ]
    }
    response = await client.put(url, json=body, headers=hub.auth("org_admin@A"))
    assert response.status_code == 200, response.text
    assert response.json()["beneficiaries_target"] == 150
    assert response.json()["beneficiaries_actual"] == 50
    problem(
        await client.put(
            url,
            json={
                "items": [{"organization_id": str(hub.orgs["A"]), "period": "2027-13", "target": 1}]
            },
            headers=hub.auth("org_admin@A"),
        ),
        422,
    )
    public = await client.get("/v1/public/initiatives")
    assert public.status_code == 200
    items = public.json()["items"]
    assert [i["id"] for i in items] == [initiative["id"]]
    assert items[0]["beneficiaries_actual"] == 50
    assert "participating_organization_ids" not in items[0]
    assert "created_by" not in items[0]
    one = await client.get(f"/v1/public/initiatives/{initiative['id']}")
    assert one.status_code == 200
    problem(await client.get(f"/v1/public/initiatives/{hidden['id']}"), 404)


async def test_bad_input_changes_nothing(client, hub):
    headers = hub.auth("org_admin@A")
    axis = await axis_id(client, hub)
    base = {
        "code": "BAD-1",
        "title_ar": "مبادرة",
        "organization_id": str(hub.orgs["A"]),
        "axis_id": axis,
        "start_date": "2027-05-01",
        "end_date": "2027-12-31",
    }
    problem(
        await client.post(
            "/v1/initiatives", json=base | {"end_date": "2027-01-01"}, headers=headers
        ),
        422,
    )
    problem(
        await client.post(
            "/v1/initiatives",
            json=base | {"axis_id": "00000000-0000-4000-8000-000000000000"},
            headers=headers,
        ),
        404,
        field="axis_id",
    )
    problem(
        await client.post(
            "/v1/initiatives", json=base | {"title_ar": "مبادرة\x00"}, headers=headers
        ),
        422,
    )
    problem(
        await client.post(
            "/v1/initiatives", json=base | {"organization_id": str(hub.orgs["B"])}, headers=headers
        ),
        404,
        field="organization_id",
    )
    listed = await client.get("/v1/initiatives", headers=hub.auth("admin"))
    assert listed.json()["items"] == []
    initiative = await create_initiative(client, hub, "A")
    problem(
        await client.patch(
            f"/v1/initiatives/{initiative['id']}", json={"end_date": "2026-01-01"}, headers=headers
        ),
        422,
        field="end_date",
    )
    problem(
        await client.post(
            f"/v1/initiatives/{initiative['id']}/milestones",
            json={"title_ar": "م", "due_date": str(date(2027, 1, 1)), "weight": "0"},
            headers=headers,
        ),
        422,
    )


async def test_idempotent_create(client, hub):
    axis = await axis_id(client, hub)
    body = {
        "code": "IDEM-1",
        "title_ar": "مبادرة",
        "organization_id": str(hub.orgs["A"]),
        "axis_id": axis,
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
    }
    headers = hub.auth("org_admin@A") | {"Idempotency-Key": "k-1"}
    first = await client.post("/v1/initiatives", json=body, headers=headers)
    second = await client.post("/v1/initiatives", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    problem(
        await client.post("/v1/initiatives", json=body | {"code": "IDEM-2"}, headers=headers),
        409,
        "idempotency_key_reused",
    )
