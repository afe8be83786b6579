"""Changed rows of the campaigns' imports, set-based: a rerun with corrected figures updates
exactly the rows that change, by the rules of a corrected KPI value (a submitted value
stays submitted, a rejected one is submitted again with its decision cleared, a verified
one never changes, a resubmission needs its period free of a live value), with one
`kpi.value_submitted` event and delivery job per changed value, the import's one audit
entry, the scorecard roll-up still equal to the figures recomputed from the values, and a
rerun of the same file afterwards changing nothing."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from tests.campaigns.conftest import create_initiative
from tests.campaigns.test_imports import INITIATIVE_AS_CREATED, errors_of, run, start
from tests.campaigns.test_kpis import create_kpi, submit, verify
from tests.campaigns.test_scorecard_rollup import compare, expected_card, rebuilt, rows_of
from tests.database import fetch

VALUE_COLUMNS = (
    "id, external_id, kpi_id, organization_id, period, value, evidence_url, comment, status, "
    "submitted_by, decided_by, decided_at, decision_comment, created_at, updated_at"
)


async def values(settings) -> dict[str, dict]:
    rows = await fetch(
        settings,
        f"SELECT {VALUE_COLUMNS} FROM campaign_kpi_value WHERE external_id IS NOT NULL",
    )
    return {r["external_id"]: dict(r) for r in rows}


async def submitted_events(settings) -> list[dict]:
    rows = await fetch(
        settings,
        "SELECT e.aggregate_id, e.organization_id, e.payload, "
        "  (SELECT count(*) FROM common_pgqueuer AS j WHERE convert_from(j.payload, 'UTF8') = "
        "   e.id::text) AS jobs "
        "FROM common_outbox AS e WHERE e.event_type = 'kpi.value_submitted' ORDER BY e.created_at",
    )
    return [dict(r) | {"payload": json.loads(r["payload"])} for r in rows]


async def reject(client, hub, value_id, who="admin") -> None:
    response = await client.post(
        f"/v1/kpi-values/{value_id}/reject",
        json={"comment": "الرقم غير مطابق"},
        headers=hub.auth(who),
    )
    assert response.status_code == 200, response.text


async def test_changed_kpi_values_update_by_the_rules_of_a_corrected_value(client, hub, settings):
    kpi = await create_kpi(client, hub, code="EPAY")
    headers = hub.auth("org_admin@R")
    content = (
        "external_id,kpi_code,organization_code,period,value,comment\n"
        "C-1,EPAY,olaya,2027-05,10,\n"  # 2: to be verified
        "C-2,EPAY,olaya,2027-06,20,\n"  # 3: to be rejected, then submitted again
        "C-3,EPAY,malaz,2027-05,30,أولي\n"  # 4: stays submitted, corrected
        "C-4,EPAY,malaz,2027-06,40,\n"  # 5: unchanged
        "C-5,EPAY,malaz,2027-07,50,\n"  # 6: rejected, and another value submitted since
    )
    first = await run(
        settings, client, headers, await start(client, headers, "kpi_values", content, source="s")
    )
    assert first["rows_imported"] == 5
    before = await values(settings)
    await verify(client, hub, {"id": str(before["C-1"]["id"])})
    await reject(client, hub, before["C-2"]["id"])
    await reject(client, hub, before["C-5"]["id"])
    await submit(client, hub, kpi, "B", "2027-07", 55)
    before = await values(settings)
    assert before["C-2"]["decided_by"] is not None
    events_before = await submitted_events(settings)

    changed = (
        content.replace("C-1,EPAY,olaya,2027-05,10,", "C-1,EPAY,olaya,2027-05,11,")
        .replace("C-2,EPAY,olaya,2027-06,20,", "C-2,EPAY,olaya,2027-06,21,مصحح")
        .replace("C-3,EPAY,malaz,2027-05,30,أولي", "C-3,EPAY,malaz,2027-05,31.5,نهائي")
        .replace("C-5,EPAY,malaz,2027-07,50,", "C-5,EPAY,malaz,2027-07,51,")
    )
    done = await run(
        settings, client, headers, await start(client, headers, "kpi_values", changed, source="s")
    )
    assert (done["rows_imported"], done["rows_updated"], done["rows_unchanged"]) == (0, 2, 1)
    errors = await errors_of(client, headers, done)
    assert sorted(errors) == [2, 6]
    assert errors[2]["field"] == "value"  # verified: never changes
    assert errors[6]["field"] == "period"  # another live value for that period now

    after = await values(settings)
    importer = before["C-4"]["submitted_by"]
    # exactly the changed rows differ
    for key in ("C-1", "C-4", "C-5"):
        assert after[key] == before[key], key
    resubmitted = after["C-2"]
    assert resubmitted["value"] == Decimal("21") and resubmitted["comment"] == "مصحح"
    assert resubmitted["status"] == "submitted"
    assert (
        resubmitted["decided_by"],
        resubmitted["decided_at"],
        resubmitted["decision_comment"],
    ) == (None, None, None)
    assert resubmitted["submitted_by"] == importer
    corrected = after["C-3"]
    assert (corrected["value"], corrected["comment"], corrected["status"]) == (
        Decimal("31.5"),
        "نهائي",
        "submitted",
    )
    for key in ("C-2", "C-3"):
        unchanged = ("id", "kpi_id", "organization_id", "period", "evidence_url", "created_at")
        assert {c: after[key][c] for c in unchanged} == {c: before[key][c] for c in unchanged}
        assert after[key]["updated_at"] > before[key]["updated_at"]

    # one `kpi.value_submitted` per changed value, with its delivery job, shaped as the
    # API's submission's (`value_payload` of the row as it is now)
    events = await submitted_events(settings)
    new_events = events[len(events_before) :]
    assert len(new_events) == 2
    api_made = next(e for e in events_before if e["payload"]["value"] == "55.0000")
    for event in new_events:
        row = next(r for r in after.values() if r["id"] == event["aggregate_id"])
        assert event["payload"].keys() == api_made["payload"].keys()
        assert event["payload"] == {
            "kpi_value_id": str(row["id"]),
            "kpi_id": str(row["kpi_id"]),
            "organization_id": str(row["organization_id"]),
            "period": row["period"],
            "value": str(row["value"]),
            "status": "submitted",
        }
        assert event["organization_id"] == row["organization_id"] and event["jobs"] == 1
    assert {e["aggregate_id"] for e in new_events} == {after["C-2"]["id"], after["C-3"]["id"]}

    # the imports are audited as one entry each, the API's decisions as theirs
    audit = await fetch(
        settings,
        "SELECT action FROM common_audit_log WHERE service = 'campaigns' "
        "AND resource_type = 'import_job'",
    )
    assert len(audit) == 2

    # the roll-up stays what the values and targets give
    response = await client.get(
        "/v1/scorecards",
        params={"organization_id": str(hub.orgs["R"]), "period": "2027"},
        headers=hub.auth("admin"),
    )
    assert response.status_code == 200, response.text
    compare(response.json()["items"], await expected_card(settings, hub.orgs["R"], "2027"))
    assert await rows_of(settings) == await rebuilt(settings)

    # the same file again changes nothing
    again = await run(
        settings, client, headers, await start(client, headers, "kpi_values", changed, source="s")
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 3)
    assert sorted(await errors_of(client, headers, again)) == [2, 6]
    assert await values(settings) == after
    assert len(await submitted_events(settings)) == len(events)


async def programme(client, hub, code: str) -> dict:
    """A programme of olaya whose own completed milestone weighs 1 (so its progress shows
    its children's weights)."""
    made = await create_initiative(client, hub, org="A", code=code, who="org_admin@R")
    headers = hub.auth("org_admin@R")
    milestone = await client.post(
        f"/v1/initiatives/{made['id']}/milestones",
        json={"title_ar": "اعتماد البرنامج", "due_date": "2027-01-15", "weight": "1"},
        headers=headers,
    )
    assert milestone.status_code == 201, milestone.text
    done = await client.post(
        f"/v1/milestones/{milestone.json()['id']}/complete",
        json={"evidence_url": "https://example.gov.sa/e.pdf"},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    return made


async def progress_of(settings, initiative_id) -> Decimal:
    [row] = await fetch(
        settings,
        "SELECT progress FROM campaign_initiative WHERE id = $1",
        uuid.UUID(str(initiative_id)),
    )
    return Decimal(row["progress"])


async def test_a_changed_initiative_is_what_a_single_update_makes(client, hub, settings):
    """A rerun with changed fields updates the initiative set-based as `PATCH
    /v1/initiatives/{id}` updates its twin: every column, the title search, the
    `initiative.status_changed` payload, the parent's derived progress; a status off the
    transition table and dates out of order are refused as the update refuses them; a new
    code in the same batch goes through the update; the same file again changes
    nothing."""
    p1 = await programme(client, hub, "OLY-P1")
    p2 = await programme(client, hub, "OLY-P2")
    body = {
        "title_ar": "إعادة تأهيل الحدائق",
        "title_en": "Parks",
        "participating_organization_ids": [str(hub.orgs["B"])],
        "weight": "1",
        "start_date": "2027-02-01",
        "end_date": "2027-10-31",
        "budget_planned": "4500000.00",
        "currency": "SAR",
        "status": "proposed",
        "published": False,
    }
    lines = [
        {"external_id": "S-1", "code": "OLY-IMP", "parent_code": "OLY-P1", **body},
        {"external_id": "S-2", "code": "OLY-IMP2", **body},
        {"external_id": "S-3", "code": "OLY-IMP3", **body},
        {"external_id": "S-4", "code": "OLY-IMP4", **body},
    ]
    for line in lines:
        line |= {"organization_code": "olaya", "axis_code": "health_awareness"}

    def jsonl(rows: list[dict]) -> str:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    headers = hub.auth("org_admin@R")
    first = await run(
        settings,
        client,
        headers,
        await start(client, headers, "initiatives", jsonl(lines), "application/x-ndjson"),
    )
    assert first["rows_imported"] == 4, await errors_of(client, headers, first)
    twin = await create_initiative(
        client,
        hub,
        org="A",
        who="org_admin@R",
        code="OLY-API",
        axis_id=p1["axis_id"],
        parent_id=p2["id"],
        **body,
    )
    assert await progress_of(settings, p1["id"]) == await progress_of(settings, p2["id"])
    assert await progress_of(settings, p1["id"]) == Decimal("50.00")
    before = {
        r["code"]: dict(r)
        for r in await fetch(settings, "SELECT code, updated_at FROM campaign_initiative")
    }

    change = {
        "title_ar": "تأهيل الحدائق العامة",
        "weight": "3",
        "budget_actual": "1200.50",
        "status": "approved",
        "published": True,
    }
    changed = [
        lines[0] | change,
        lines[1] | {"status": "completed"},  # line 2: not from proposed
        lines[2] | {"end_date": "2027-01-01"},  # line 3: before its start
        lines[3] | {"code": "OLY-IMP4B"},  # a new code: through the update, row by row
    ]
    done = await run(
        settings,
        client,
        headers,
        await start(client, headers, "initiatives", jsonl(changed), "application/x-ndjson"),
    )
    assert (done["rows_imported"], done["rows_updated"], done["rows_unchanged"]) == (0, 2, 0)
    errors = await errors_of(client, headers, done)
    assert sorted(errors) == [2, 3]
    assert "completed" in errors[2]["reason"], errors[2]  # 409 invalid_state
    assert errors[3]["reason"] == "تاريخ النهاية قبل تاريخ البداية", errors[3]

    current = await client.get(f"/v1/initiatives/{twin['id']}", headers=headers)
    patched = await client.patch(
        f"/v1/initiatives/{twin['id']}",
        json=change,
        headers=headers | {"If-Match": current.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text

    rows = {
        r["code"]: dict(r)
        for r in await fetch(
            settings,
            f"SELECT id, code, updated_at, {INITIATIVE_AS_CREATED} FROM campaign_initiative",
        )
    }
    imported, single = rows["OLY-IMP"], rows["OLY-API"]
    assert imported["updated_at"] > before["OLY-IMP"]["updated_at"]
    for code in ("OLY-IMP2", "OLY-IMP3"):
        assert rows[code]["updated_at"] == before[code]["updated_at"], code
    assert "OLY-IMP4" not in rows and rows["OLY-IMP4B"]["title_ar"] == body["title_ar"]
    assert imported["parent_id"] == uuid.UUID(p1["id"])
    assert single["parent_id"] == uuid.UUID(p2["id"])
    for row in (imported, single):
        for name in ("id", "code", "updated_at", "parent_id"):
            row.pop(name)
    assert imported == single
    # the parents' progress derived again: (100 × 1 + 0 × 3) / 4
    assert await progress_of(settings, p1["id"]) == Decimal("25.00")
    assert await progress_of(settings, p2["id"]) == Decimal("25.00")

    payloads = {}
    for code in ("OLY-IMP", "OLY-API"):
        events = await fetch(
            settings,
            "SELECT e.payload, e.organization_id, (SELECT count(*) FROM common_pgqueuer AS j "
            "  WHERE convert_from(j.payload, 'UTF8') = e.id::text) AS jobs "
            "FROM common_outbox AS e JOIN campaign_initiative AS i ON i.id = e.aggregate_id "
            "WHERE e.event_type = 'initiative.status_changed' AND i.code = $1",
            code,
        )
        assert len(events) == 1, code
        payload = json.loads(events[0]["payload"])
        assert payload["code"] == code and payload["from_status"] == "proposed"
        assert events[0]["organization_id"] == hub.orgs["A"]
        payloads[code] = {k: v for k, v in payload.items() if k not in ("initiative_id", "code")}
    assert payloads["OLY-IMP"] == payloads["OLY-API"]

    # the import's change is in its one audit entry, not an entry of its own
    audit = await fetch(
        settings,
        "SELECT a.action FROM common_audit_log AS a JOIN campaign_initiative AS i "
        "ON i.id = a.resource_id WHERE i.code = 'OLY-IMP'",
    )
    assert audit == []

    # the same file again changes nothing
    snapshot = await fetch(settings, "SELECT * FROM campaign_initiative ORDER BY id")
    outbox = await fetch(settings, "SELECT id FROM common_outbox ORDER BY id")
    again = await run(
        settings,
        client,
        headers,
        await start(client, headers, "initiatives", jsonl(changed), "application/x-ndjson"),
    )
    assert (again["rows_updated"], again["rows_unchanged"], again["rows_rejected"]) == (0, 2, 2)
    assert await fetch(settings, "SELECT * FROM campaign_initiative ORDER BY id") == snapshot
    assert await fetch(settings, "SELECT id FROM common_outbox ORDER BY id") == outbox
