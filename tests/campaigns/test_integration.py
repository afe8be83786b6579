"""Integration (S1-8): the rubric's score and overlap detection across municipalities."""

from __future__ import annotations

from tests.campaigns.conftest import axis_id, create_initiative, problem


async def test_overlap_finds_the_sibling_municipalitys_initiative_in_other_letter_variants(
    client, hub
):
    axis = await axis_id(client, hub, "infrastructure")
    other_axis = await axis_id(client, hub, "e_services")
    mine = await create_initiative(
        client,
        hub,
        "A",
        axis_id=axis,
        title_ar="مبادرة إنارة الشوارع بالطاقة الشمسية",
        start_date="2027-01-01",
        end_date="2027-06-30",
    )
    # B (A's sibling) writes the same title with other letter variants and diacritics
    twin = await create_initiative(
        client,
        hub,
        "B",
        axis_id=axis,
        title_ar="مبادره انارة الشوارِع بالطاقه الشمسيه",
        start_date="2027-03-01",
        end_date="2027-12-31",
    )
    near = await create_initiative(
        client,
        hub,
        "B",
        axis_id=axis,
        title_ar="إنارة شوارع الأحياء بالطاقة الشمسية",
        start_date="2027-02-01",
        end_date="2027-02-28",
    )
    unrelated = await create_initiative(
        client, hub, "B", axis_id=axis, title_ar="برنامج صيانة الحدائق العامة"
    )
    other_axis_twin = await create_initiative(
        client, hub, "B", axis_id=other_axis, title_ar="مبادرة إنارة الشوارع بالطاقة الشمسية"
    )
    later_twin = await create_initiative(
        client,
        hub,
        "B",
        axis_id=axis,
        title_ar="مبادرة إنارة الشوارع بالطاقة الشمسية",
        start_date="2028-01-01",
        end_date="2028-06-30",
    )
    response = await client.get(
        f"/v1/initiatives/{mine['id']}/integration", headers=hub.auth("org_admin@R")
    )
    assert response.status_code == 200, response.text
    overlaps = response.json()["overlaps"]
    found = [o["initiative_id"] for o in overlaps]
    assert found == [twin["id"], near["id"]]
    assert overlaps[0]["similarity"] == 1.0
    assert overlaps[0]["overlap_days"] == 122  # 1 March – 30 June
    assert overlaps[0]["coordinated"] is False
    for absent in (unrelated, other_axis_twin, later_twin):
        assert absent["id"] not in found
    # A alone does not see B's unpublished initiatives
    alone = await client.get(
        f"/v1/initiatives/{mine['id']}/integration", headers=hub.auth("org_admin@A")
    )
    assert alone.json()["overlaps"] == []


async def test_score_follows_the_editable_rubric(client, hub):
    initiative = await create_initiative(
        client, hub, "A", participating_organization_ids=[str(hub.orgs["B"])], published=True
    )
    url = f"/v1/initiatives/{initiative['id']}/integration"
    default = (await client.get(url, headers=hub.auth("org_admin@A"))).json()
    met = {c["code"]: c["met"] for c in default["criteria"]}
    assert met == {
        "partners": True,
        "kpis": False,
        "milestones": False,
        "beneficiaries": False,
        "published": True,
    }
    assert default["score"] == "45.00"
    rubric = {
        "items": [
            {"code": "partners", "name_ar": "الشراكة", "rule": "has_partners", "weight": "1"},
            {"code": "budget", "name_ar": "الميزانية", "rule": "has_budget", "weight": "3"},
        ]
    }
    problem(
        await client.put("/v1/integration-criteria", json=rubric, headers=hub.auth("org_admin@M")),
        403,
    )
    replaced = await client.put("/v1/integration-criteria", json=rubric, headers=hub.auth("admin"))
    assert replaced.status_code == 200, replaced.text
    assert [c["code"] for c in replaced.json()["items"]] == ["partners", "budget"]
    assert (await client.get(url, headers=hub.auth("org_admin@A"))).json()["score"] == "25.00"
    problem(
        await client.put(
            "/v1/integration-criteria",
            json={"items": [rubric["items"][0], rubric["items"][0]]},
            headers=hub.auth("admin"),
        ),
        409,
    )
    problem(
        await client.put(
            "/v1/integration-criteria",
            json={"items": [{**rubric["items"][0], "rule": "unknown"}]},
            headers=hub.auth("admin"),
        ),
        422,
    )
