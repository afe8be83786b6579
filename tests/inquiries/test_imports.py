"""Bulk imports of inquiries: `POST /v1/inquiries/imports`, the job run by the worker's
code, the counts, the rejected rows as CSV, reruns, dry runs, cancel, visibility."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
import uuid
from typing import Any

import asyncpg
import httpx

from govhub.worker import run_worker
from services.common.embedded import to_plain_url
from services.common.imports.runner import run_import
from tests.database import fetch
from tests.inquiries.conftest import problem

HEADER = (
    "external_id,kind,channel,subject,body,organization_code,contact_name,contact_phone,"
    "location_lat,location_long\n"
)


def csv_rows(count: int, start: int = 1, org: str = "riyadh") -> str:
    return "".join(
        f"EXT-{n},complaint,whatsapp,بلاغ رقم {n},نص البلاغ {n},{org},مواطن {n},"
        f"+96650123{n:04d},24.7,46.6\n"
        for n in range(start, start + count)
    )


async def start(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes | str,
    content_type: str = "text/csv",
    **params: Any,
) -> dict[str, Any]:
    body = content.encode() if isinstance(content, str) else content
    response = await client.post(
        "/v1/inquiries/imports",
        params={"kind": "inquiries", **params},
        content=body,
        headers={**headers, "Content-Type": content_type},
    )
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert response.headers["location"] == f"/v1/inquiries/imports/{job['id']}"
    assert job["state"] == "queued"
    return job


async def run(settings, client, headers, job: dict[str, Any]) -> dict[str, Any]:
    """Runs the job as the worker does, then reads it back through the API."""
    await run_import(to_plain_url(settings.database_url), uuid.UUID(job["id"]))
    response = await client.get(f"/v1/inquiries/imports/{job['id']}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["etag"]
    data: dict[str, Any] = response.json()
    return data


async def errors_of(client, headers, job: dict[str, Any]) -> list[dict[str, str]]:
    response = await client.get(job["errors_url"], headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_an_import_creates_inquiries_with_the_intakes_rules(client, world, settings):
    headers = world.auth("org_admin@R")
    job = await start(client, headers, HEADER + csv_rows(5), source="legacy-crm")
    done = await run(settings, client, headers, job)
    assert done["state"] == "succeeded", done
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (5, 5, 0)
    assert done["progress"] == 1 and done["rows_per_second"] > 0

    rows = await fetch(
        settings,
        "SELECT reference, organization_id, channel, status, priority, source, external_id, "
        "contact_phone, first_response_due, resolution_due, created_at FROM inquiry "
        "ORDER BY external_id",
    )
    assert [r["external_id"] for r in rows] == [f"EXT-{n}" for n in range(1, 6)]
    assert {r["source"] for r in rows} == {"legacy-crm"}
    assert {r["organization_id"] for r in rows} == {world.orgs["R"]}
    assert {(r["channel"], r["status"], r["priority"]) for r in rows} == {
        ("whatsapp", "new", "normal")
    }
    assert len({r["reference"] for r in rows}) == 5
    assert all(r["reference"].startswith("INQ-") for r in rows)
    assert all(r["first_response_due"] > r["created_at"] for r in rows)
    assert rows[0]["contact_phone"] == "+966501230001"

    # the same rules as a single create: history, an inquiry.created event per inquiry with
    # its delivery job, and one audit entry for the whole import
    history = await fetch(settings, "SELECT action FROM inquiry_event")
    assert [h["action"] for h in history] == ["create"] * 5
    events = await fetch(
        settings, "SELECT id, payload FROM common_outbox WHERE event_type = 'inquiry.created'"
    )
    assert len(events) == 5
    assert json.loads(events[0]["payload"])["reference"].startswith("INQ-")
    jobs = await fetch(
        settings, "SELECT payload FROM common_pgqueuer WHERE entrypoint = 'outbox.deliver'"
    )
    assert {bytes(j["payload"]).decode() for j in jobs} == {str(e["id"]) for e in events}
    audit = await fetch(settings, "SELECT action, resource_type, changes FROM common_audit_log")
    assert [(a["action"], a["resource_type"]) for a in audit] == [("import", "import_job")]
    assert json.loads(audit[0]["changes"])["rows_imported"] == 5

    # the list shows them like any other inquiry
    listed = await client.get("/v1/inquiries", headers=headers)
    assert len(listed.json()["items"]) == 5


async def test_a_rerun_of_the_same_file_changes_nothing(client, world, settings):
    headers = world.auth("org_admin@R")
    content = HEADER + csv_rows(4)
    first = await run(settings, client, headers, await start(client, headers, content))
    assert first["rows_imported"] == 4
    before = await fetch(settings, "SELECT id, reference, updated_at FROM inquiry ORDER BY id")
    again = await run(settings, client, headers, await start(client, headers, content))
    assert again["state"] == "succeeded"
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 4)
    assert await fetch(settings, "SELECT id, reference, updated_at FROM inquiry ORDER BY id") == (
        before
    )
    events = await fetch(settings, "SELECT count(*) AS n FROM common_outbox")
    assert events[0]["n"] == 4

    # a changed text updates that inquiry only
    changed = content.replace("نص البلاغ 2,", "نص البلاغ المصحح 2,")
    third = await run(settings, client, headers, await start(client, headers, changed))
    assert (third["rows_imported"], third["rows_updated"], third["rows_unchanged"]) == (0, 1, 3)
    bodies = await fetch(settings, "SELECT body FROM inquiry WHERE external_id = 'EXT-2'")
    assert bodies[0]["body"] == "نص البلاغ المصحح 2"


async def test_bad_rows_are_rejected_with_their_line_and_the_good_ones_imported(
    client, world, settings
):
    headers = world.auth("org_admin@R")
    good = csv_rows(1, 1)
    lines = [
        HEADER.encode(),  # line 1
        good.encode(),  # 2: good
        "EXT-3,grievance,whatsapp,بلاغ,نص,riyadh,,,,\n".encode(),  # 3: wrong kind
        "EXT-4,complaint,whatsapp,بلاغ,نص,riyadh,,0501234,,\n".encode(),  # 4: bad phone
        "EXT-5,complaint,whatsapp,بلاغ,نص,nowhere,,,,\n".encode(),  # 5: unknown org code
        "EXT-6,complaint,whatsapp,بلاغ\x00,نص,riyadh,,,,\n".encode(),  # 6: NUL
        'EXT-7,complaint,whatsapp,"بلاغ مكسور,نص,riyadh,,,,\n'.encode(),  # 7: broken quote
        "EXT-8,complaint,whatsapp,شكوى,نص,riyadh,,,,\n".encode("cp1256"),  # 8: Windows-1256
        csv_rows(1, 9).encode(),  # 9: good
        "EXT-10,complaint,telegram,بلاغ,نص,riyadh,,,,\n".encode(),  # 10: unknown channel
        "EXT-11,complaint,whatsapp,بلاغ,نص,eastern,,,,\n".encode(),  # 11: a sibling's org
        csv_rows(1, 12).encode(),  # 12: good
    ]
    job = await start(client, headers, b"".join(lines))
    done = await run(settings, client, headers, job)
    assert done["state"] == "succeeded", done
    errors = await errors_of(client, headers, job)
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (11, 3, 8), errors
    by_line = {int(e["line"]): e for e in errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 10, 11]
    assert by_line[3]["field"] == "kind"
    assert by_line[4]["field"] == "contact_phone" and by_line[4]["value"] == "0501234"
    assert "E.164" in by_line[4]["reason"]
    assert by_line[5]["field"] == "organization_code" and by_line[5]["value"] == "nowhere"
    assert by_line[6]["field"] == "subject" and "NUL" in by_line[6]["reason"]
    assert by_line[10]["field"] == "channel"
    assert by_line[11]["field"] == "organization_code"
    imported = await fetch(settings, "SELECT external_id FROM inquiry ORDER BY external_id")
    assert [r["external_id"] for r in imported] == ["EXT-1", "EXT-12", "EXT-9"]


async def test_reasons_follow_the_language_of_the_upload(client, world, settings):
    for language, expected in (("en", "The field is required"), ("ar", "الحقل مطلوب")):
        headers = {**world.auth("org_admin@R"), "Accept-Language": language}
        content = "kind,channel,subject,body,organization_code\ncomplaint,whatsapp,a,b,riyadh\n"
        job = await start(client, headers, content)
        await run(settings, client, headers, job)
        errors = await errors_of(client, headers, job)
        assert [(e["line"], e["field"], e["reason"]) for e in errors] == [
            ("2", "external_id", expected)
        ]


async def test_windows_1256_files_are_read_declared_or_detected(client, world, settings):
    headers = world.auth("org_admin@R")
    content = (HEADER + csv_rows(2)).encode("cp1256")
    for content_type in ("text/csv; charset=windows-1256", "text/csv"):
        job = await start(client, headers, content, content_type, source=f"s{len(content_type)}")
        done = await run(settings, client, headers, job)
        assert done["encoding"] == "cp1256" and done["rows_imported"] == 2, done
    subjects = await fetch(settings, "SELECT DISTINCT subject FROM inquiry ORDER BY subject")
    assert [s["subject"] for s in subjects] == ["بلاغ رقم 1", "بلاغ رقم 2"]


async def test_utf8_with_a_bom_and_json_lines(client, world, settings):
    headers = world.auth("org_admin@R")
    job = await start(client, headers, ("\ufeff" + HEADER + csv_rows(1)).encode())
    done = await run(settings, client, headers, job)
    assert (done["rows_imported"], done["encoding"]) == (1, "utf-8-sig")
    lines = [
        {
            "external_id": "J-1",
            "kind": "suggestion",
            "channel": "whatsapp",
            "subject": "اقتراح",
            "body": "إضافة مواقف",
            "organization_id": str(world.orgs["R"]),
            "contact": {"name": "سارة", "phone": "+966501234567"},
            "location_lat": 24.7,
        },
        {"external_id": "J-2", "kind": "complaint"},
        "not json",
    ]
    content = "\n".join(
        x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines
    )
    job = await start(client, headers, content, "application/x-ndjson")
    done = await run(settings, client, headers, job)
    assert (done["rows_imported"], done["rows_rejected"]) == (1, 2)
    errors = await errors_of(client, headers, job)
    assert {e["line"] for e in errors} == {"2", "3"}
    stored = await fetch(
        settings, "SELECT contact_name, location_lat FROM inquiry WHERE external_id = 'J-1'"
    )
    assert (stored[0]["contact_name"], stored[0]["location_lat"]) == ("سارة", 24.7)


async def test_a_dry_run_counts_and_keeps_nothing(client, world, settings):
    headers = world.auth("org_admin@R")
    content = HEADER + csv_rows(3) + "EXT-X,complaint,whatsapp,,,riyadh,,,,\n"
    job = await start(client, headers, content, dry_run="true")
    done = await run(settings, client, headers, job)
    assert done["dry_run"] and done["state"] == "succeeded"
    assert (done["rows_imported"], done["rows_rejected"]) == (3, 1)
    for table in ("inquiry", "common_outbox", "common_audit_log"):
        assert (await fetch(settings, f"SELECT count(*) AS n FROM {table}"))[0]["n"] == 0


async def test_permissions_visibility_and_cancel(client, world, settings):
    content = HEADER + csv_rows(2)
    # anonymous: 401; a machine client without inquiries:write: 403; an unknown kind: 422
    anonymous = await client.post(
        "/v1/inquiries/imports?kind=inquiries",
        content=content,
        headers={"Content-Type": "text/csv"},
    )
    problem(anonymous, 401)
    reader = await client.post(
        "/v1/inquiries/imports?kind=inquiries",
        content=content,
        headers={**world.auth("client@R:inquiries:read"), "Content-Type": "text/csv"},
    )
    problem(reader, 403)
    unknown = await client.post(
        "/v1/inquiries/imports?kind=initiatives",
        content=content,
        headers={**world.auth("org_admin@R"), "Content-Type": "text/csv"},
    )
    problem(unknown, 422, field="kind")
    wrong_type = await client.post(
        "/v1/inquiries/imports?kind=inquiries",
        content=content,
        headers={**world.auth("org_admin@R"), "Content-Type": "application/pdf"},
    )
    problem(wrong_type, 415)

    job = await start(client, world.auth("agent@A"), content)
    # the parent organization's staff see it; a sibling's do not
    seen = await client.get(f"/v1/inquiries/imports/{job['id']}", headers=world.auth("agent@R"))
    assert seen.status_code == 200
    hidden = await client.get(f"/v1/inquiries/imports/{job['id']}", headers=world.auth("agent@S"))
    problem(hidden, 404)

    cancelled = await client.post(
        f"/v1/inquiries/imports/{job['id']}/cancel", headers=world.auth("agent@A")
    )
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    done = await run(settings, client, world.auth("agent@A"), job)
    assert done["state"] == "cancelled" and done["rows_seen"] == 0
    again = await client.post(
        f"/v1/inquiries/imports/{job['id']}/cancel", headers=world.auth("agent@A")
    )
    problem(again, 409)


async def test_multipart_upload_and_rows_for_another_subtree(client, world, settings):
    headers = world.auth("agent@A")
    # agent@A may import into its own municipality, not into its parent region
    content = (
        HEADER
        + csv_rows(1, 1, org="olaya").replace("whatsapp", "majlis")
        + csv_rows(1, 2, org="riyadh")
    )
    response = await client.post(
        "/v1/inquiries/imports",
        params={"kind": "inquiries"},
        files={"file": ("بلاغات.csv", content.encode(), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["filename"] == "بلاغات.csv"
    done = await run(settings, client, headers, job)
    assert (done["rows_imported"], done["rows_rejected"]) == (1, 1)
    errors = await errors_of(client, headers, job)
    assert [(e["line"], e["field"]) for e in errors] == [("3", "organization_code")]


async def test_the_worker_runs_queued_imports(client, world, settings):
    """Through pgqueuer: the job queued by the POST is run by a worker."""
    headers = world.auth("org_admin@R")
    job = await start(client, headers, HEADER + csv_rows(3))
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop=stop, periodic=[]))
    try:
        deadline = time.monotonic() + 30
        state = "queued"
        while state in ("queued", "running") and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            response = await client.get(f"/v1/inquiries/imports/{job['id']}", headers=headers)
            state = response.json()["state"]
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
    assert state == "succeeded"
    assert (await fetch(settings, "SELECT count(*) AS n FROM inquiry"))[0]["n"] == 3


async def test_an_xlsx_workbook_as_excel_saves_it(client, world, settings, tmp_path):
    """Written by openpyxl, read by python-calamine: numbers typed as numbers (coordinates,
    a phone) and Arabic text."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["X-1", "complaint", "whatsapp", "حفرة", "حفرة عميقة", "riyadh", "منى"])
    sheet.append(["X-2", "question", "phone", "سؤال", "متى؟", "riyadh", None, "+966501234567"])
    sheet["I3"], sheet["J3"] = 24.7136, 46.6753
    sheet.append([None] * 3)  # an empty row is skipped
    sheet.append(["X-3", "complaint", "whatsapp", "", "نص", "riyadh"])  # no subject
    # a phone typed as a number has lost its "+": refused as the API refuses it
    sheet.append(["X-4", "complaint", "whatsapp", "بلاغ", "نص", "riyadh", None, 966501234567])
    path = tmp_path / "بلاغات.xlsx"
    workbook.save(path)
    headers = world.auth("org_admin@R")
    job = await start(
        client,
        headers,
        path.read_bytes(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    done = await run(settings, client, headers, job)
    errors = await errors_of(client, headers, job)
    assert (done["format"], done["rows_imported"], done["rows_rejected"]) == ("xlsx", 2, 2)
    assert [(e["line"], e["field"], e["value"]) for e in errors] == [
        ("5", "subject", ""),
        ("6", "contact_phone", "966501234567"),
    ]
    stored = await fetch(
        settings,
        "SELECT contact_phone, location_lat, location_long FROM inquiry WHERE external_id = 'X-2'",
    )
    assert tuple(stored[0]) == ("+966501234567", 24.7136, 46.6753)


async def test_an_upload_over_the_limit_is_413_and_leaves_no_file(make_client, world, settings):
    from services.inquiries.app import create_app

    small = await make_client(create_app, max_import_body_bytes=1024)
    headers = world.auth("org_admin@R")
    before = set((settings.resolved_data_dir / "imports").glob("*"))
    too_big = await small.post(
        "/v1/inquiries/imports?kind=inquiries",
        content=(HEADER + csv_rows(50)).encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    problem(too_big, 413, "payload_too_large")

    async def chunked():  # no Content-Length: counted while it arrives
        for _ in range(20):
            yield csv_rows(1).encode()

    streamed = await small.post(
        "/v1/inquiries/imports?kind=inquiries",
        content=chunked(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    problem(streamed, 413)
    assert set((settings.resolved_data_dir / "imports").glob("*")) == before


async def test_a_job_resumes_after_its_last_committed_batch(client, world, settings):
    """What a restarted worker does: the records behind `records_done` are skipped."""
    headers = world.auth("org_admin@R")
    job = await start(client, headers, HEADER + csv_rows(5))
    conn = await asyncpg.connect(to_plain_url(settings.database_url))
    try:
        # as a worker killed after its first batch of two rows left it
        await conn.execute(
            "UPDATE common_import_job SET state = 'running', records_done = 2, rows_seen = 2, "
            "rows_imported = 2 WHERE id = $1",
            uuid.UUID(job["id"]),
        )
    finally:
        await conn.close()
    done = await run(settings, client, headers, job)
    assert (done["state"], done["rows_seen"], done["rows_imported"]) == ("succeeded", 5, 5)
    imported = await fetch(settings, "SELECT external_id FROM inquiry ORDER BY external_id")
    assert [r["external_id"] for r in imported] == ["EXT-3", "EXT-4", "EXT-5"]


async def test_one_runner_per_job(client, world, settings):
    from services.common.imports.runner import _lock_key

    headers = world.auth("org_admin@R")
    job = await start(client, headers, HEADER + csv_rows(2))
    holder = await asyncpg.connect(to_plain_url(settings.database_url))
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", _lock_key(uuid.UUID(job["id"])))
        assert await run_import(to_plain_url(settings.database_url), uuid.UUID(job["id"])) == (
            "busy"
        )
    finally:
        await holder.close()
    assert (await run(settings, client, headers, job))["rows_imported"] == 2


SAME_AS_A_CREATE = (
    "organization_id, category_id, kind, channel, channel_id, status, priority, "
    "first_response_target_minutes, resolution_target_minutes, sla_policy_id, sla_started_at, "
    "first_response_due, resolution_due, sla_due_at, sla_risk_at, sla_alarm_at, deadline, "
    "outlet, created_by, created_by_type, created_at"
)


async def test_every_imported_row_is_decided_as_a_single_create_would_be(
    client, world, settings, fake_clock
):
    """Rows of one batch share their due-time computation when they share what it reads
    (kind, priority, deadline …): each imported inquiry still carries what `POST
    /v1/inquiries` gives the same body at the same instant — SLA targets, due times in
    business hours (a Thursday afternoon: across the weekend), alarm, channel, creator —
    and the same history row and event payload, apart from its own id and reference."""
    from tests.inquiries.test_intake_memory import THURSDAY_15

    fake_clock.set(THURSDAY_15)
    headers = world.auth("org_admin@R")
    org = str(world.orgs["R"])
    soon, later = "2026-11-20T10:00:00+03:00", "2026-11-23T12:00:00+03:00"
    media: dict[str, Any] = {"outlet": "صحيفة الرياض", "contact": {"phone": "+966501234567"}}
    bodies: list[dict[str, Any]] = [
        {"kind": "complaint"},
        {"kind": "complaint"},
        {"kind": "complaint", "priority": "urgent"},
        {"kind": "complaint"},
        {"kind": "suggestion", "priority": "low"},
        {"kind": "media_request", "deadline": soon, **media},
        {"kind": "media_request", "deadline": later, **media},
        {"kind": "media_request", "deadline": soon, **media},
    ]
    bodies = [
        {"channel": "whatsapp", "subject": f"بلاغ {n}", "body": f"نص {n}", **b}
        for n, b in enumerate(bodies)
    ]
    lines = [
        json.dumps(
            {"external_id": f"D-{n}", "organization_code": "riyadh", **b}, ensure_ascii=False
        )
        for n, b in enumerate(bodies)
    ]
    job = await start(client, headers, "\n".join(lines), "application/x-ndjson")
    done = await run(settings, client, headers, job)
    assert done["rows_imported"] == len(bodies), await errors_of(client, headers, job)
    created = []
    for body in bodies:
        response = await client.post(
            "/v1/inquiries", json={**body, "organization_id": org}, headers=headers
        )
        assert response.status_code == 201, response.text
        created.append(uuid.UUID(response.json()["id"]))

    for n, api_id in enumerate(created):
        imported = await fetch(
            settings,
            f"SELECT id, {SAME_AS_A_CREATE} FROM inquiry WHERE external_id = $1",
            f"D-{n}",
        )
        single = await fetch(
            settings, f"SELECT id, {SAME_AS_A_CREATE} FROM inquiry WHERE id = $1", api_id
        )
        assert dict(imported[0]) | {"id": None} == dict(single[0]) | {"id": None}, n
        for table, column, key in (
            ("inquiry_event", "details", "inquiry_id"),
            ("common_outbox", "payload", "aggregate_id"),
        ):
            pair = [
                (await fetch(settings, f"SELECT {column} FROM {table} WHERE {key} = $1", ident))
                for ident in (imported[0]["id"], api_id)
            ]
            values = [json.loads(rows[0][column]) for rows in pair]
            if column == "payload":
                [stored] = await fetch(
                    settings, "SELECT reference FROM inquiry WHERE id = $1", imported[0]["id"]
                )
                assert values[0]["id"] == str(imported[0]["id"])
                assert values[0]["reference"] == stored["reference"]
            for value in values:
                value.pop("id", None), value.pop("reference", None)
            assert values[0] == values[1], (n, table)
    dues = await fetch(settings, "SELECT DISTINCT first_response_due, resolution_due FROM inquiry")
    assert len(dues) == 5  # the groups did differ

    # a rerun compares every field it may change (deadlines in another offset, phones,
    # coordinates) and finds them all the same
    again = await start(client, headers, "\n".join(lines), "application/x-ndjson")
    rerun = await run(settings, client, headers, again)
    assert (rerun["rows_imported"], rerun["rows_updated"], rerun["rows_unchanged"]) == (0, 0, 8)
