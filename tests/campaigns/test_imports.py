"""Bulk imports of initiatives and KPI values (`POST /v1/campaigns/imports`): each row
through the create rules (validation, subtree, references), bad rows reported with their
line, reruns that change nothing, a changed row updating its record."""

from __future__ import annotations

import csv
import io
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx

from services.common.embedded import to_plain_url
from services.common.imports.runner import run_import
from tests.campaigns.conftest import create_initiative, problem
from tests.campaigns.test_kpis import create_kpi, submit, verify
from tests.database import fetch

PATH = "/v1/campaigns/imports"


async def start(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    kind: str,
    content: str,
    content_type: str = "text/csv",
    **params: Any,
) -> dict[str, Any]:
    response = await client.post(
        PATH,
        params={"kind": kind, **params},
        content=content.encode(),
        headers={**headers, "Content-Type": content_type},
    )
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert response.headers["location"] == f"{PATH}/{job['id']}"
    return job


async def run(settings, client, headers, job: dict[str, Any]) -> dict[str, Any]:
    await run_import(to_plain_url(settings.database_url), uuid.UUID(job["id"]))
    response = await client.get(f"{PATH}/{job['id']}", headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert data["state"] == "succeeded", data
    return data


async def errors_of(client, headers, job: dict[str, Any]) -> dict[int, dict[str, str]]:
    response = await client.get(job["errors_url"], headers=headers)
    assert response.status_code == 200, response.text
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {int(row["line"]): row for row in rows}


INITIATIVES = (
    "external_id,code,title_ar,organization_code,axis_code,parent_code,start_date,end_date,"
    "budget_planned,weight\n"
    # 2: a programme of the region
    "P-1,RYD-PRG,برنامج جودة الحياة,riyadh,health_awareness,,2027-01-01,2027-12-31,500000,\n"
    # 3: an initiative of a municipality below the region
    "I-1,OLY-FOOD,سلامة الغذاء,olaya,health_awareness,,2027-02-01,2027-06-30,,2\n"
    # 4: a child of the programme, in the programme's organization
    "I-2,RYD-PARKS,الحدائق,riyadh,health_awareness,RYD-PRG,2027-03-01,2027-09-30,,\n"
    # 5: an unknown axis code
    "I-3,RYD-X,مبادرة,riyadh,nowhere,,2027-01-01,2027-12-31,,\n"
    # 6: a sibling region, outside the importer's subtree
    "I-4,EST-X,مبادرة,eastern,health_awareness,,2027-01-01,2027-12-31,,\n"
    # 7: ends before it starts
    "I-5,RYD-Y,مبادرة,riyadh,health_awareness,,2027-12-31,2027-01-01,,\n"
    # 8: a negative budget
    "I-6,RYD-Z,مبادرة,riyadh,health_awareness,,2027-01-01,2027-12-31,-5,\n"
    # 9: the same code as line 2 in the same organization
    "I-7,RYD-PRG,مكرر,riyadh,health_awareness,,2027-01-01,2027-12-31,,\n"
    # 10: an unknown parent code
    "I-8,RYD-Q,مبادرة,riyadh,health_awareness,NOPE,2027-01-01,2027-12-31,,\n"
)


async def test_initiatives_import_with_the_create_rules(client, hub, settings):
    headers = hub.auth("org_admin@R")
    job = await start(client, headers, "initiatives", INITIATIVES, source="moma-sheet")
    done = await run(settings, client, headers, job)
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (9, 3, 6)
    errors = await errors_of(client, headers, done)
    assert sorted(errors) == [5, 6, 7, 8, 9, 10]
    assert errors[5]["field"] == "axis_code" and errors[5]["value"] == "nowhere"
    assert errors[6]["field"] == "organization_id"
    assert errors[7]["field"] == ""  # the schema's check across end_date and start_date
    assert errors[8]["field"] == "budget_planned"
    assert errors[9]["field"] == "code"
    assert errors[10]["field"] == "parent_code"

    rows = await fetch(
        settings,
        "SELECT external_source, external_id, code, organization_id, parent_id, weight "
        "FROM campaign_initiative ORDER BY external_id",
    )
    assert [(r["external_source"], r["external_id"]) for r in rows] == [
        ("moma-sheet", "I-1"),
        ("moma-sheet", "I-2"),
        ("moma-sheet", "P-1"),
    ]
    by_key = {r["external_id"]: r for r in rows}
    assert by_key["I-1"]["organization_id"] == hub.orgs["A"]
    assert by_key["I-2"]["parent_id"] is not None
    # the create's outbox events, and one audit entry for the import
    events = await fetch(
        settings, "SELECT event_type FROM common_outbox WHERE event_type = 'initiative.created'"
    )
    assert len(events) == 3
    audit = await fetch(settings, "SELECT action FROM common_audit_log WHERE service = 'campaigns'")
    assert [a["action"] for a in audit] == ["import"]
    # they read like any other initiative
    listed = await client.get("/v1/initiatives", headers=headers)
    assert {i["code"] for i in listed.json()["items"]} == {"RYD-PRG", "OLY-FOOD", "RYD-PARKS"}

    # a rerun changes nothing; a changed title updates its initiative only
    before = await fetch(settings, "SELECT id, updated_at FROM campaign_initiative ORDER BY id")
    again = await run(
        settings,
        client,
        headers,
        await start(client, headers, "initiatives", INITIATIVES, source="moma-sheet"),
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 3)
    assert await fetch(settings, "SELECT id, updated_at FROM campaign_initiative ORDER BY id") == (
        before
    )
    changed = INITIATIVES.replace("سلامة الغذاء", "سلامة الغذاء في المطاعم")
    third = await run(
        settings,
        client,
        headers,
        await start(client, headers, "initiatives", changed, source="moma-sheet"),
    )
    assert (third["rows_imported"], third["rows_updated"], third["rows_unchanged"]) == (0, 1, 2)
    [food] = await fetch(
        settings, "SELECT title_ar FROM campaign_initiative WHERE code = 'OLY-FOOD'"
    )
    assert food["title_ar"] == "سلامة الغذاء في المطاعم"

    # the municipality may not change the region's rows through their keys
    other = await run(
        settings,
        client,
        hub.auth("org_admin@A"),
        await start(client, hub.auth("org_admin@A"), "initiatives", changed, source="moma-sheet"),
    )
    assert other["rows_imported"] == 0 and other["rows_updated"] == 0


async def test_kpi_values_import_with_the_submit_rules(client, hub, settings):
    kpi = await create_kpi(client, hub, code="EPAY")
    quarterly = await create_kpi(client, hub, code="QTR", frequency="quarterly")
    verified = await submit(client, hub, kpi, "B", "2027-01", 50)
    await verify(client, hub, verified)
    headers = hub.auth("org_admin@R")
    content = (
        "external_id,kpi_code,organization_code,period,value,comment\n"
        "V-1,EPAY,olaya,2027-01,68.5,بيانات يناير\n"  # 2
        "V-2,EPAY,olaya,2027-02,70,\n"  # 3
        "V-3,,olaya,2027-Q1,12,\n"  # 4: no KPI named
        "V-4,EPAY,olaya,2027-Q1,12,\n"  # 5: a period of another frequency
        "V-5,EPAY,eastern,2027-01,1,\n"  # 6: outside the importer's subtree
        "V-6,NOPE,olaya,2027-01,1,\n"  # 7: an unknown KPI code
        "V-7,EPAY,malaz,2027-01,51,\n"  # 8: a verified value exists for that period
        "V-8,EPAY,olaya,2027-03,abc,\n"  # 9: not a number
    )
    job = await start(client, headers, "kpi_values", content, source="baladi")
    done = await run(settings, client, headers, job)
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (8, 2, 6)
    errors = await errors_of(client, headers, done)
    assert sorted(errors) == [4, 5, 6, 7, 8, 9]
    assert errors[5]["field"] == "period"
    assert errors[6]["field"] == "organization_id"
    assert errors[7]["field"] == "kpi_code"
    assert errors[8]["field"] == "period"
    assert errors[9]["field"] == "value"
    rows = await fetch(
        settings,
        "SELECT external_id, status, value, organization_id, submitted_by FROM "
        "campaign_kpi_value WHERE external_id IS NOT NULL ORDER BY external_id",
    )
    assert [(r["external_id"], r["status"], r["value"]) for r in rows] == [
        ("V-1", "submitted", Decimal("68.5")),
        ("V-2", "submitted", Decimal("70")),
    ]
    assert {r["organization_id"] for r in rows} == {hub.orgs["A"]}
    events = await fetch(
        settings,
        "SELECT payload FROM common_outbox WHERE event_type = 'kpi.value_submitted'",
    )
    assert len(events) == 3  # the API's submission and the two imported
    payloads = {p["value"]: p for p in (json.loads(e["payload"]) for e in events)}
    api_made, imported = payloads["50.0000"], payloads["68.5000"]
    assert imported.keys() == api_made.keys()
    assert imported["status"] == "submitted" and imported["organization_id"] == str(hub.orgs["A"])
    assert quarterly["code"] == "QTR"

    # a rerun changes nothing; a corrected figure updates the submitted value
    again = await run(
        settings,
        client,
        headers,
        await start(client, headers, "kpi_values", content, source="baladi"),
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 2)
    corrected = content.replace("V-2,EPAY,olaya,2027-02,70,", "V-2,EPAY,olaya,2027-02,71,")
    third = await run(
        settings,
        client,
        headers,
        await start(client, headers, "kpi_values", corrected, source="baladi"),
    )
    assert (third["rows_imported"], third["rows_updated"], third["rows_unchanged"]) == (0, 1, 1)

    # once verified, a value does not change through an import
    [v1] = await fetch(settings, "SELECT id FROM campaign_kpi_value WHERE external_id = 'V-1'")
    await verify(client, hub, {"id": str(v1["id"])})
    moved = corrected.replace("68.5", "69")
    fourth = await run(
        settings,
        client,
        headers,
        await start(client, headers, "kpi_values", moved, source="baladi"),
    )
    assert (fourth["rows_updated"], fourth["rows_unchanged"]) == (0, 1)
    assert (await errors_of(client, headers, fourth))[2]["field"] == "value"


async def test_json_lines_dry_run_and_permissions(client, hub, settings):
    initiative = await create_initiative(client, hub, org="A", code="OLY-1")
    line = {
        "external_id": "J-1",
        "code": "OLY-2",
        "title_ar": "مبادرة فرعية",
        "organization_code": "olaya",
        "axis_code": "health_awareness",
        "parent_code": initiative["code"],
        "start_date": "2027-01-01",
        "end_date": "2027-06-30",
        "participating_organization_ids": [str(hub.orgs["B"])],
    }
    content = json.dumps(line, ensure_ascii=False) + "\n"
    headers = hub.auth("org_admin@A")
    dry = await run(
        settings,
        client,
        headers,
        await start(
            client, headers, "initiatives", content, "application/x-ndjson", dry_run="true"
        ),
    )
    assert dry["rows_imported"] == 1
    assert await fetch(settings, "SELECT id FROM campaign_initiative WHERE code = 'OLY-2'") == []
    done = await run(
        settings,
        client,
        headers,
        await start(client, headers, "initiatives", content, "application/x-ndjson"),
    )
    assert done["rows_imported"] == 1
    [child] = await fetch(
        settings,
        "SELECT parent_id, participating_organization_ids FROM campaign_initiative "
        "WHERE code = 'OLY-2'",
    )
    assert str(child["parent_id"]) == initiative["id"]
    assert child["participating_organization_ids"] == [hub.orgs["B"]]

    # a reader may not import; an unknown kind is a 422
    problem(
        await client.post(
            PATH,
            params={"kind": "initiatives"},
            content=b"external_id\n1\n",
            headers={**hub.auth("client@A:campaigns:read"), "Content-Type": "text/csv"},
        ),
        403,
    )
    problem(
        await client.post(
            PATH,
            params={"kind": "entries"},
            content=b"external_id\n1\n",
            headers={**headers, "Content-Type": "text/csv"},
        ),
        422,
    )
    # the job is the importer's: a sibling municipality does not see it
    response = await client.get(f"{PATH}/{done['id']}", headers=hub.auth("org_admin@B"))
    problem(response, 404)


async def test_a_broken_quote_and_a_windows_1256_row_cost_only_their_own_lines(
    client, hub, settings
):
    header = "external_id,code,title_ar,organization_code,axis_code,start_date,end_date\n"
    good = "G-{n},OLY-{n},مبادرة {n},olaya,health_awareness,2027-01-01,2027-12-31\n"
    content = (
        (header + good.format(n=1)).encode()
        + b'B-1,OLY-B,"broken,olaya,health_awareness,2027-01-01,2027-12-31\n'
        + "W-1,OLY-W,مبادرة بترميز آخر,olaya,health_awareness,2027-01-01,2027-12-31\n".encode(
            "cp1256"
        )
        + good.format(n=4).encode()
    )
    headers = hub.auth("org_admin@A")
    response = await client.post(
        PATH,
        params={"kind": "initiatives"},
        content=content,
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.text
    done = await run(settings, client, headers, response.json())
    assert (done["rows_imported"], done["rows_rejected"]) == (2, 2)
    assert sorted(await errors_of(client, headers, done)) == [3, 4]


async def test_kpi_values_of_one_batch_keep_one_live_value_per_period(client, hub, settings):
    """The set-based load checks the batch against itself too: a second row for the same
    KPI, organization and period is refused as `submit_value` refuses it, with its line."""
    await create_kpi(client, hub, code="EPAY")
    await create_kpi(client, hub, "R", code="INQ-VOLUME", source="inquiries.volume", unit="count")
    headers = hub.auth("org_admin@R")
    content = (
        "external_id,kpi_code,organization_code,period,value\n"
        "W-1,EPAY,olaya,2027-04,10\n"
        "W-2,EPAY,olaya,2027-04,11\n"  # 3: the same period again, another key
        "W-3,EPAY,malaz,2027-04,12\n"
        "W-4,INQ-VOLUME,olaya,2027-04,5\n"  # 5: a built-in KPI's values are computed
    )
    job = await start(client, headers, "kpi_values", content, source="baladi")
    done = await run(settings, client, headers, job)
    assert (done["rows_imported"], done["rows_rejected"]) == (2, 2)
    errors = await errors_of(client, headers, done)
    assert sorted(errors) == [3, 5] and errors[3]["field"] == "period"
    assert errors[3]["value"] == "2027-04"
    assert errors[5]["field"] == "kpi_id"
    listed = await fetch(
        settings, "SELECT external_id FROM campaign_kpi_value ORDER BY external_id"
    )
    assert [r["external_id"] for r in listed] == ["W-1", "W-3"]


INITIATIVE_AS_CREATED = (
    "title_ar, title_en, title_search, description_ar, organization_id, "
    "participating_organization_ids, axis_id, parent_id, weight, start_date, end_date, "
    "budget_planned, budget_actual, currency, status, published, progress, created_by"
)


async def test_an_imported_initiative_is_what_a_single_create_makes(client, hub, settings):
    """The set-based load writes what `POST /v1/initiatives` writes for the same body:
    every column, the derived title search, the creator, the `initiative.created` payload;
    and the parent it joins has its progress derived again, as after a single create."""
    parent = await create_initiative(client, hub, org="A", code="OLY-P", who="org_admin@R")
    body = {
        "title_ar": "إعادة تأهيل الحدائق",
        "title_en": "Parks",
        "description_ar": "وصف",
        "participating_organization_ids": [str(hub.orgs["B"]), str(hub.orgs["B"])],
        "weight": "2.50",
        "start_date": "2027-02-01",
        "end_date": "2027-10-31",
        "budget_planned": "4500000.00",
        "currency": "SAR",
        "status": "approved",
        "published": True,
    }
    line = {
        "external_id": "S-1",
        "code": "OLY-IMP",
        "organization_code": "olaya",
        "axis_code": "health_awareness",
        "parent_code": "OLY-P",
        **body,
    }
    headers = hub.auth("org_admin@R")
    job = await start(
        client,
        headers,
        "initiatives",
        json.dumps(line, ensure_ascii=False) + "\n",
        "application/x-ndjson",
    )
    done = await run(settings, client, headers, job)
    assert done["rows_imported"] == 1, await errors_of(client, headers, done)
    [progress_after_import] = await fetch(
        settings, "SELECT progress FROM campaign_initiative WHERE id = $1", uuid.UUID(parent["id"])
    )
    api_made = await create_initiative(
        client,
        hub,
        org="A",
        who="org_admin@R",
        code="OLY-API",
        axis_id=parent["axis_id"],
        parent_id=parent["id"],
        **body,
    )
    rows = {
        r["code"]: r
        for r in await fetch(
            settings,
            f"SELECT id, code, {INITIATIVE_AS_CREATED} FROM campaign_initiative "
            "WHERE code IN ('OLY-IMP', 'OLY-API')",
        )
    }
    imported, single = dict(rows["OLY-IMP"]), dict(rows["OLY-API"])
    assert str(single["id"]) == api_made["id"]
    assert imported["participating_organization_ids"] == [hub.orgs["B"]]
    for row in (imported, single):
        row.pop("id"), row.pop("code")
    assert imported == single
    payloads = {}
    for code, ident in (("OLY-IMP", rows["OLY-IMP"]["id"]), ("OLY-API", rows["OLY-API"]["id"])):
        [event] = await fetch(
            settings,
            "SELECT payload FROM common_outbox WHERE event_type = 'initiative.created' "
            "AND aggregate_id = $1",
            ident,
        )
        payload = json.loads(event["payload"])
        assert payload["initiative_id"] == str(ident) and payload["code"] == code
        payloads[code] = {k: v for k, v in payload.items() if k not in ("initiative_id", "code")}
    assert payloads["OLY-IMP"] == payloads["OLY-API"]
    [progress_after_create] = await fetch(
        settings, "SELECT progress FROM campaign_initiative WHERE id = $1", uuid.UUID(parent["id"])
    )
    assert progress_after_import == progress_after_create


async def test_a_programme_tree_in_one_batch_whatever_the_order_of_its_rows(client, hub, settings):
    """Children wait for their parents within a batch (the set-based load inserts it in
    waves): a grandchild above its parent above the programme still finds both."""
    content = (
        "external_id,code,title_ar,organization_code,axis_code,parent_code,start_date,end_date\n"
        "T-3,OLY-T3,فرعية الفرعية,olaya,health_awareness,OLY-T2,2027-01-01,2027-03-31\n"
        "T-2,OLY-T2,فرعية,olaya,health_awareness,OLY-T1,2027-01-01,2027-06-30\n"
        "T-1,OLY-T1,برنامج,olaya,health_awareness,,2027-01-01,2027-12-31\n"
        "T-4,OLY-T4,يتيمة,olaya,health_awareness,OLY-NONE,2027-01-01,2027-12-31\n"
    )
    headers = hub.auth("org_admin@A")
    done = await run(
        settings, client, headers, await start(client, headers, "initiatives", content)
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (3, 1)
    errors = await errors_of(client, headers, done)
    assert errors[5]["field"] == "parent_code" and errors[5]["value"] == "OLY-NONE"
    rows = {
        r["code"]: r
        for r in await fetch(settings, "SELECT id, code, parent_id FROM campaign_initiative")
    }
    assert rows["OLY-T1"]["parent_id"] is None
    assert rows["OLY-T2"]["parent_id"] == rows["OLY-T1"]["id"]
    assert rows["OLY-T3"]["parent_id"] == rows["OLY-T2"]["id"]
    events = await fetch(
        settings, "SELECT count(*) AS n FROM common_outbox WHERE event_type = 'initiative.created'"
    )
    assert events[0]["n"] == 3
