"""Reports through the API: the state table, who decides, the roll-up and its CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.campaigns.conftest import problem


def report_body(hub, org: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organization_id": str(hub.orgs[org]),
        "kind": "media_coverage",
        "title_ar": "تقرير التغطية الإعلامية",
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "activities": [
            {"title": "جولة ميدانية", "date": "2027-01-05", "channel": "field_visit", "reach": 100},
            {"title": "تغريدة توعوية", "date": "2027-01-06", "channel": "x", "reach": 5000},
        ],
        "coverage": [
            {
                "outlet": "صحيفة الرياض",
                "published_on": "2027-01-07",
                "tone": "positive",
                "reach": 20000,
            },
            {
                "outlet": "قناة الإخبارية",
                "published_on": "2027-01-08",
                "tone": "negative",
                "reach": 7000,
            },
        ],
    }
    body.update(fields)
    return body


async def file(client, hub, org: str, who: str | None = None, **fields: Any) -> dict[str, Any]:
    author = who or f"coordinator@{org}"
    created = await client.post(
        "/v1/reports", json=report_body(hub, org, **fields), headers=hub.auth(author)
    )
    assert created.status_code == 201, created.text
    submitted = await client.post(
        f"/v1/reports/{created.json()['id']}/submit", headers=hub.auth(author)
    )
    assert submitted.status_code == 200, submitted.text
    data: dict[str, Any] = submitted.json()
    return data


async def test_report_states_and_deciders(client, hub):
    created = await client.post(
        "/v1/reports", json=report_body(hub, "A"), headers=hub.auth("unit_head@A")
    )
    assert created.status_code == 201, created.text
    report = created.json()
    assert report["status"] == "draft"
    url = f"/v1/reports/{report['id']}"
    problem(
        await client.post(f"{url}/accept", headers=hub.auth("org_admin@R")), 409, "invalid_state"
    )
    await client.post(f"{url}/submit", headers=hub.auth("unit_head@A"))
    problem(
        await client.patch(url, json={"title_ar": "تعديل"}, headers=hub.auth("unit_head@A")),
        409,
        "invalid_state",
    )
    problem(
        await client.post(f"{url}/accept", headers=hub.auth("unit_head@A")), 403, "self_decision"
    )
    problem(await client.post(f"{url}/accept", headers=hub.auth("org_admin@B")), 404)
    problem(
        await client.post(f"{url}/return", headers=hub.auth("org_admin@R")), 422, field="comment"
    )
    returned = await client.post(
        f"{url}/return", json={"comment": "أضيفوا الروابط"}, headers=hub.auth("org_admin@R")
    )
    assert returned.json()["status"] == "returned"
    fixed = await client.patch(
        url, json={"title_ar": "تقرير معدّل"}, headers=hub.auth("unit_head@A")
    )
    assert fixed.status_code == 200, fixed.text
    await client.post(f"{url}/submit", headers=hub.auth("unit_head@A"))
    accepted = await client.post(f"{url}/accept", headers=hub.auth("org_admin@M"))
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"


async def test_items_outside_the_period_and_nul_are_refused(client, hub):
    headers = hub.auth("coordinator@A")
    bad_activity = report_body(hub, "A")
    bad_activity["activities"][0]["date"] = "2027-02-01"
    problem(await client.post("/v1/reports", json=bad_activity, headers=headers), 422)
    problem(
        await client.post(
            "/v1/reports", json=report_body(hub, "A", period_end="2026-12-31"), headers=headers
        ),
        422,
    )
    problem(
        await client.post(
            "/v1/reports", json=report_body(hub, "A", title_ar="تقرير\x00"), headers=headers
        ),
        422,
    )
    listed = await client.get("/v1/reports", headers=hub.auth("admin"))
    assert listed.json()["items"] == []


async def test_rollup_of_a_ministry_and_csv(client, hub):
    await file(client, hub, "A")
    await file(client, hub, "U", who="coordinator@U")
    await file(client, hub, "S")
    # a draft is not filed; a report of another month is outside the window
    await client.post("/v1/reports", json=report_body(hub, "B"), headers=hub.auth("coordinator@B"))
    await file(
        client,
        hub,
        "B",
        period_start="2027-03-01",
        period_end="2027-03-31",
        activities=[{"title": "ورشة", "date": "2027-03-02", "channel": "majlis", "reach": 9}],
        coverage=[],
    )
    params = {"organization_id": str(hub.orgs["R"]), "from": "2027-01-01", "to": "2027-01-31"}
    response = await client.get(
        "/v1/reports/rollup", params=params, headers=hub.auth("org_admin@R")
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["totals"] == {"reports": 2, "activities": 4, "coverage": 4, "reach": 64200}
    assert {o["code"] for o in data["by_organization"]} == {"olaya", "olaya-media"}
    assert {c["channel"]: c["activities"] for c in data["by_channel"]} == {"x": 2, "field_visit": 2}
    assert {t["tone"]: t["coverage"] for t in data["by_tone"]} == {"positive": 2, "negative": 2}
    ministry = await client.get(
        "/v1/reports/rollup",
        params=params | {"organization_id": str(hub.orgs["M"])},
        headers=hub.auth("org_admin@M"),
    )
    assert ministry.json()["totals"]["reports"] == 3
    problem(
        await client.get(
            "/v1/reports/rollup",
            params=params | {"organization_id": str(hub.orgs["M"])},
            headers=hub.auth("org_admin@R"),
        ),
        404,
    )
    exported = await client.get(
        "/v1/reports/rollup", params=params | {"format": "csv"}, headers=hub.auth("org_admin@R")
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "key", "name_ar", "reports", "activities", "coverage", "reach"]
    assert rows[-1] == ["total", "", "", "2", "4", "4", "64200"]
    assert ["organization", "olaya", "بلدية العليا", "1", "2", "2", "32100"] in rows
