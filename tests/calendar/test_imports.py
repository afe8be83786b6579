"""Bulk imports of calendar entries (`POST /v1/calendar/imports?kind=entries`): CSV rows
through the create rules with bad rows reported by line, reruns that change nothing, and
the calendar's own `.ics` feed re-imported into another organization with the same
occurrences (expanded by `recurring-ical-events`, compared with the API's range query)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import recurring_ical_events

from services.common.embedded import to_plain_url
from services.common.imports.runner import run_import
from tests.calendar.conftest import act, create_entry, problem, window
from tests.database import fetch

PATH = "/v1/calendar/imports"


async def start(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes | str,
    content_type: str = "text/csv",
    **params: Any,
) -> dict[str, Any]:
    body = content.encode() if isinstance(content, str) else content
    response = await client.post(
        PATH,
        params={"kind": "entries", **params},
        content=body,
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
    return data


async def errors_of(client, headers, job: dict[str, Any]) -> list[dict[str, str]]:
    response = await client.get(job["errors_url"], headers=headers)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


CSV_HEADER = (
    "external_id,kind,title_ar,starts_at,ends_at,all_day,start_date,end_date,rrule,exdates,"
    "channels,audiences,organization_code\n"
)


async def test_csv_rows_go_through_the_create_rules_and_bad_ones_are_reported(
    client, world, settings
):
    headers = world.auth("agent@R")
    content = CSV_HEADER + (
        # 2: a weekly series in the importer's subtree, channels by kind of an ancestor
        "CAL-1,meeting,المجلس الأسبوعي,2026-01-04T19:00:00+03:00,2026-01-04T21:00:00+03:00,"
        ",,,FREQ=WEEKLY;COUNT=4,20260111T160000Z,x;majlis,citizens;media,olaya\n"
        # 3: an all-day entry of the importer's own organization
        "CAL-2,campaign_flight,حملة النظافة,,,true,2026-02-18,2026-02-20,,,,,\n"
        # 4: an unknown kind
        "CAL-3,party,حفل,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,,,,,,,,\n"
        # 5: ends before it starts
        "CAL-4,meeting,اجتماع,2026-03-01T10:00:00+03:00,2026-03-01T09:00:00+03:00,,,,,,,,\n"
        # 6: an unknown organization code
        "CAL-5,meeting,اجتماع,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,"
        ",,,,,,,nowhere\n"
        # 7: an organization outside the importer's subtree (a sibling region)
        "CAL-6,meeting,اجتماع,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,"
        ",,,,,,,eastern\n"
        # 8: an unbounded rule (the create endpoint refuses it)
        "CAL-7,meeting,اجتماع,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,"
        ",,,FREQ=DAILY,,,,\n"
        # 9: a channel nobody above the organization has
        "CAL-8,meeting,اجتماع,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,"
        ",,,,,tiktok,,\n"
        # 10: a NUL character
        "CAL-9,meeting,اجتماع\x00,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,"
        ",,,,,,,\n"
        # 11: the same key again
        "CAL-1,meeting,مكرر,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,,,,,,,,\n"
    )
    job = await start(client, headers, content, source="outlook-riyadh")
    done = await run(settings, client, headers, job)
    assert done["state"] == "succeeded", done
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (10, 2, 8)

    errors = await errors_of(client, headers, done)
    by_line = {int(e["line"]): e for e in errors}
    assert sorted(by_line) == [4, 5, 6, 7, 8, 9, 10, 11]
    assert by_line[4]["field"] == "kind"
    assert by_line[6]["field"] == "organization_code" and by_line[6]["value"] == "nowhere"
    assert by_line[7]["field"] == "organization_id"
    assert by_line[8]["field"] == "rrule"
    assert by_line[9]["field"].startswith("channels")
    assert by_line[10]["field"] == "title_ar"
    assert by_line[11]["field"] == "external_id"

    rows = await fetch(
        settings,
        "SELECT external_source, external_id, organization_id, status, all_day, rrule, exdates "
        "FROM calendar_entry ORDER BY external_id",
    )
    assert [(r["external_source"], r["external_id"]) for r in rows] == [
        ("outlook-riyadh", "CAL-1"),
        ("outlook-riyadh", "CAL-2"),
    ]
    assert rows[0]["organization_id"] == world.orgs["A"]
    assert rows[1]["organization_id"] == world.orgs["R"]
    assert {r["status"] for r in rows} == {"draft"}
    assert json.loads(rows[0]["exdates"]) == ["20260111T160000Z"]
    # the occurrences, as for an entry created through the API: 4 weeks less the exdate
    items = await window(
        client, world, "agent@A", "2026-01-01T00:00:00+03:00", "2026-03-01T00:00:00+03:00"
    )
    assert sorted(i["starts_at"][:10] for i in items if i["kind"] == "meeting") == [
        "2026-01-04",
        "2026-01-18",
        "2026-01-25",
    ]
    # one audit entry for the import, none per row; each entry has its create history
    audit = await fetch(
        settings, "SELECT action, resource_type FROM common_audit_log WHERE service = 'calendar'"
    )
    assert [(a["action"], a["resource_type"]) for a in audit] == [("import", "import_job")]
    history = await fetch(settings, "SELECT action FROM calendar_entry_history")
    assert [h["action"] for h in history] == ["create", "create"]

    # a rerun of the same file changes nothing; a changed row updates its entry
    again = await run(
        settings, client, headers, await start(client, headers, content, source="outlook-riyadh")
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (
        0,
        0,
        2,
    ), await errors_of(client, headers, again)
    changed = content.replace("حملة النظافة", "حملة النظافة الكبرى")
    third = await run(
        settings, client, headers, await start(client, headers, changed, source="outlook-riyadh")
    )
    assert (third["rows_imported"], third["rows_updated"], third["rows_unchanged"]) == (0, 1, 1)
    titles = await fetch(settings, "SELECT title_ar FROM calendar_entry ORDER BY external_id")
    assert titles[1]["title_ar"] == "حملة النظافة الكبرى"


async def test_json_lines_and_dry_run(client, world, settings):
    headers = world.auth("agent@A")
    lines = [
        {
            "external_id": "J-1",
            "kind": "press_conference",
            "title_ar": "مؤتمر صحفي",
            "starts_at": "2026-03-10T10:00:00+03:00",
            "ends_at": "2026-03-10T11:00:00+03:00",
            "channels": ["majlis"],
        },
        {"external_id": "J-2", "kind": "meeting", "title_ar": "بلا وقت"},
    ]
    content = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    dry = await run(
        settings,
        client,
        headers,
        await start(client, headers, content, "application/x-ndjson", dry_run="true"),
    )
    assert (dry["rows_imported"], dry["rows_rejected"]) == (1, 1)
    assert await fetch(settings, "SELECT id FROM calendar_entry") == []
    done = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (1, 1)
    [error] = await errors_of(client, headers, done)
    assert error["line"] == "2"
    [entry] = await fetch(settings, "SELECT external_source, organization_id FROM calendar_entry")
    assert entry["external_source"] == "import" and entry["organization_id"] == world.orgs["A"]


async def test_permissions_and_formats(client, world):
    # a reader without calendar:write may not import; a kind the calendar lacks is a 422
    response = await client.post(
        PATH,
        params={"kind": "inquiries"},
        content=CSV_HEADER,
        headers={**world.auth("agent@A"), "Content-Type": "text/csv"},
    )
    problem(response, 422)
    response = await client.post(
        PATH,
        params={"kind": "entries"},
        content=b"x",
        headers={**world.auth("agent@A"), "Content-Type": "application/pdf"},
    )
    problem(response, 415)
    response = await client.post(PATH, params={"kind": "entries"}, content=CSV_HEADER)
    problem(response, 401)


def _key(start: Any) -> str:
    if isinstance(start, datetime):
        return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return str(start.isoformat())


async def _feed_of_olaya(client, world) -> bytes:
    entries = [
        await create_entry(
            client,
            world,
            kind="meeting",
            title_ar="المجلس الأسبوعي",
            starts_at="2026-01-04T19:00:00+03:00",
            ends_at="2026-01-04T21:00:00+03:00",
            rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=30",
            exdates=["20260111T160000Z"],
        ),
        await create_entry(
            client,
            world,
            kind="campaign_flight",
            title_ar="حملة رمضان",
            all_day=True,
            start_date="2026-02-18",
            end_date="2026-02-20",
            rrule="RSCALE=ISLAMIC-UMALQURA;FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;COUNT=3",
        ),
        await create_entry(client, world, title_ar="مؤتمر صحفي"),
        await create_entry(
            client,
            world,
            kind="meeting",
            title_ar="اجتماع شهري",
            starts_at="2026-03-01T09:00:00+01:00",
            ends_at="2026-03-01T10:00:00+01:00",
            timezone="Europe/Berlin",
            rrule="FREQ=MONTHLY;COUNT=12",
        ),
        await create_entry(
            client,
            world,
            kind="community_event",
            title_ar="يوم مفتوح",
            all_day=True,
            start_date="2026-04-05",
            end_date="2026-04-05",
            rrule="FREQ=WEEKLY;COUNT=6",
            exdates=["20260412"],
        ),
    ]
    moves: list[tuple[dict[str, Any], str, dict[str, Any]]] = [
        (entries[0], "20260118T160000Z", {"starts_at": "2026-01-19T20:00:00+03:00"}),
        (entries[0], "20260125T160000Z", {"cancelled": True}),
        (entries[3], "20260501T070000Z", {"starts_at": "2026-05-02T11:00:00+02:00"}),
        (entries[4], "20260419", {"start_date": "2026-04-20", "end_date": "2026-04-21"}),
    ]
    for entry, rid, change in moves:
        if "starts_at" in change:
            start = datetime.fromisoformat(change["starts_at"])
            change["ends_at"] = start.replace(hour=start.hour + 1).isoformat()
        moved = await client.patch(
            f"/v1/calendar/entries/{entry['id']}/occurrences/{rid}",
            json=change,
            headers=world.auth("agent@A"),
        )
        assert moved.status_code == 200, moved.text
    for entry in entries:
        assert (await act(client, world, entry["id"], "submit", "agent@A")).status_code == 200
    created = await client.post(
        "/v1/calendar/feeds",
        json={"organization_id": str(world.orgs["A"]), "scope": "own"},
        headers=world.auth("agent@A"),
    )
    assert created.status_code == 201, created.text
    response = await client.get(created.json()["url"].removeprefix("http://testserver"))
    assert response.status_code == 200
    return response.content


async def test_the_calendars_own_feed_reimports_into_another_organization(client, world, settings):
    feed = await _feed_of_olaya(client, world)
    calendar = icalendar.Calendar.from_ical(feed)
    assert any("RECURRENCE-ID" in e for e in calendar.walk("VEVENT"))

    # an administrator of the eastern region imports Olaya's feed into its own organization
    headers = world.auth("org_admin@S")
    job = await start(client, headers, feed, "text/calendar", source="olaya-feed")
    done = await run(settings, client, headers, job)
    assert done["state"] == "succeeded", done
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (5, 5, 0), (
        await errors_of(client, headers, done)
    )
    assert done["format"] == "ics"
    rows = await fetch(
        settings,
        "SELECT external_id, organization_id, rrule FROM calendar_entry "
        "WHERE external_source = 'olaya-feed'",
    )
    assert {r["organization_id"] for r in rows} == {world.orgs["S"]}
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert {r["external_id"] for r in rows} == uids
    assert any(r["rrule"] and r["rrule"].startswith("RSCALE=ISLAMIC-UMALQURA") for r in rows)

    # the same occurrences: the feed expanded by recurring-ical-events, the imported
    # entries by the API's range query
    start_at, end_at = datetime(2026, 1, 1), datetime(2030, 1, 1)
    expanded = recurring_ical_events.of(calendar).between(start_at, end_at)
    from_feed = sorted((str(e["SUMMARY"]), _key(e["DTSTART"].dt)) for e in expanded)
    items = await window(
        client, world, "org_admin@S", "2026-01-01T00:00:00+03:00", "2030-01-01T00:00:00+03:00"
    )
    from_api = sorted(
        (
            i["title_ar"],
            i["start_date"] if i["all_day"] else _key(datetime.fromisoformat(i["starts_at"])),
        )
        for i in items
    )
    assert from_api == from_feed
    assert len(from_api) > 40
    assert ("المجلس الأسبوعي", "2026-01-19T17:00") in from_api  # the moved one
    assert ("المجلس الأسبوعي", "2026-01-25T16:00") not in from_api  # the cancelled one

    # a rerun of the same file changes nothing
    before = await fetch(settings, "SELECT id, updated_at, version FROM calendar_entry ORDER BY id")
    occurrences = await fetch(
        settings, "SELECT entry_id, recurrence_id, starts_at FROM calendar_occurrence ORDER BY 1, 2"
    )
    again = await run(
        settings,
        client,
        headers,
        await start(client, headers, feed, "text/calendar", source="olaya-feed"),
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 5)
    assert (
        await fetch(settings, "SELECT id, updated_at, version FROM calendar_entry ORDER BY id")
        == before
    )
    assert (
        await fetch(
            settings,
            "SELECT entry_id, recurrence_id, starts_at FROM calendar_occurrence ORDER BY 1, 2",
        )
        == occurrences
    )


async def test_ics_events_the_import_cannot_take_are_reported_by_line(client, world, settings):
    content = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:ok-1\r\nDTSTART;TZID=Asia/Riyadh:20260301T100000\r\n"
        "DTEND;TZID=Asia/Riyadh:20260301T110000\r\nSUMMARY:اجتماع اللجنة\r\n"
        "CATEGORIES:meeting\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:floating-1\r\nDTSTART:20260302T100000\r\n"
        "DTEND:20260302T110000\r\nSUMMARY:بلا منطقة\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:endless-1\r\nDTSTART:20260303T100000Z\r\n"
        "DTEND:20260303T110000Z\r\nRRULE:FREQ=DAILY\r\nSUMMARY:كل يوم\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nDTSTART:20260304T100000Z\r\nDTEND:20260304T110000Z\r\n"
        "SUMMARY:بلا معرف\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    headers = world.auth("agent@A")
    done = await run(
        settings, client, headers, await start(client, headers, content, "text/calendar")
    )
    assert (done["rows_seen"], done["rows_imported"], done["rows_rejected"]) == (4, 1, 3)
    errors = {int(e["line"]): e for e in await errors_of(client, headers, done)}
    assert sorted(errors) == [11, 17, 24]
    assert errors[11]["field"] == "DTSTART"
    assert errors[17]["field"] == "rrule"
    assert errors[24]["field"] == "UID"
    [entry] = await fetch(settings, "SELECT kind, timezone, external_id FROM calendar_entry")
    assert (entry["kind"], entry["timezone"], entry["external_id"]) == (
        "meeting",
        "Asia/Riyadh",
        "ok-1",
    )


async def test_an_idempotency_key_replays_the_first_upload(client, world, settings):
    headers = {
        **world.auth("agent@A"),
        "Idempotency-Key": "import-2026-03",
        "Content-Type": "text/csv",
    }
    content = CSV_HEADER + (
        "K-1,meeting,اجتماع,2026-03-01T10:00:00+03:00,2026-03-01T11:00:00+03:00,,,,,,,,\n"
    )
    params = {"kind": "entries", "source": "sheet"}
    uploads = settings.resolved_data_dir / "imports"
    uploads.mkdir(parents=True, exist_ok=True)
    before = set(uploads.iterdir())
    first = await client.post(PATH, params=params, content=content.encode(), headers=headers)
    assert first.status_code == 202, first.text
    again = await client.post(PATH, params=params, content=content.encode(), headers=headers)
    assert again.status_code == 202, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    # the same key with another file, or other parameters: 409, and nothing is kept
    other = await client.post(
        PATH, params=params, content=(content + content.splitlines()[1]).encode(), headers=headers
    )
    problem(other, 409, "idempotency_key_reused")
    dry = await client.post(
        PATH, params={**params, "dry_run": "true"}, content=content.encode(), headers=headers
    )
    problem(dry, 409, "idempotency_key_reused")
    jobs = await fetch(settings, "SELECT id, path FROM common_import_job")
    assert [str(j["id"]) for j in jobs] == [first.json()["id"]]
    # the replayed and refused uploads left no file behind
    assert {p.name for p in set(uploads.iterdir()) - before} == {f"{first.json()['id']}.csv"}
    # without a key, the same upload is a new job (its rows upsert anyway)
    fresh = await client.post(
        PATH,
        params=params,
        content=content.encode(),
        headers={k: v for k, v in headers.items() if k != "Idempotency-Key"},
    )
    assert fresh.status_code == 202 and fresh.json()["id"] != first.json()["id"]


async def test_a_spreadsheet_of_entries(client, world, settings):
    from datetime import date as day

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "external_id",
            "kind",
            "title_ar",
            "all_day",
            "start_date",
            "end_date",
            "starts_at",
            "ends_at",
            "timezone",
            "channels",
        ]
    )
    sheet.append(
        [
            "X-1",
            "community_event",
            "يوم مفتوح",
            True,
            day(2027, 2, 10),
            day(2027, 2, 11),
            None,
            None,
            None,
            "majlis",
        ]
    )
    sheet.append(
        [
            "X-2",
            "meeting",
            "اجتماع اللجنة",
            False,
            None,
            None,
            datetime(2027, 2, 14, 10, 0),
            datetime(2027, 2, 14, 11, 30),
            "Asia/Riyadh",
            None,
        ]
    )
    sheet.append(
        [
            "X-3",
            "meeting",
            "بلا منطقة",
            False,
            None,
            None,
            datetime(2027, 2, 15, 10, 0),
            datetime(2027, 2, 15, 11, 0),
            None,
            None,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    headers = world.auth("agent@A")
    job = await start(
        client,
        headers,
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    done = await run(settings, client, headers, job)
    errors = await errors_of(client, headers, done)
    assert (done["rows_imported"], done["rows_rejected"]) == (2, 1), errors
    assert [(e["line"], e["field"]) for e in errors] == [("4", "starts_at"), ("4", "ends_at")]
    assert errors[0]["reason"] == "أضف فرق التوقيت (+03:00) أو عمود timezone"
    rows = await fetch(
        settings,
        "SELECT external_id, all_day, start_date, end_date, starts_at FROM calendar_entry "
        "ORDER BY external_id",
    )
    assert (rows[0]["start_date"], rows[0]["end_date"]) == (day(2027, 2, 10), day(2027, 2, 11))
    assert rows[1]["starts_at"] == datetime(2027, 2, 14, 7, 0, tzinfo=UTC)


async def test_a_run_lost_mid_batch_leaves_nothing_of_it_and_the_rerun_finishes(
    client, world, settings, monkeypatch
):
    """A worker that loses its connection in the middle of a batch (as a killed one does):
    the batch's rows already written roll back with it, the job stays `running` at its last
    committed batch, and the next run resumes there: every entry exists once."""
    from services.calendar import imports as calendar_imports
    from services.calendar.repository import imports as imports_repo

    monkeypatch.setattr(calendar_imports.EntriesImport, "batch_size", 3)
    real_write = imports_repo.write_occurrences
    calls = {"n": 0}

    async def failing_write(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch, its entries upserted already
            raise ConnectionResetError("the worker's connection is gone")
        return await real_write(*args, **kwargs)

    monkeypatch.setattr(imports_repo, "write_occurrences", failing_write)
    headers = world.auth("agent@A")
    content = CSV_HEADER + "".join(
        f"R-{n},meeting,اجتماع {n},2026-03-0{n}T10:00:00+03:00,2026-03-0{n}T11:00:00+03:00"
        ",,,,,,,,\n"
        for n in range(1, 8)
    )
    job = await start(client, headers, content)
    try:
        await run_import(to_plain_url(settings.database_url), uuid.UUID(job["id"]))
    except ConnectionResetError:
        pass
    else:
        raise AssertionError("the lost connection should end the run")
    [state] = await fetch(
        settings,
        "SELECT state, records_done FROM common_import_job WHERE id = $1",
        uuid.UUID(job["id"]),
    )
    assert (state["state"], state["records_done"]) == ("running", 3)
    keys = await fetch(settings, "SELECT external_id FROM calendar_entry ORDER BY 1")
    assert [k["external_id"] for k in keys] == ["R-1", "R-2", "R-3"]

    monkeypatch.setattr(imports_repo, "write_occurrences", real_write)
    done = await run(settings, client, headers, job)
    assert done["state"] == "succeeded"
    assert (done["rows_seen"], done["rows_imported"]) == (7, 7)
    keys = await fetch(settings, "SELECT external_id FROM calendar_entry ORDER BY 1")
    assert [k["external_id"] for k in keys] == [f"R-{n}" for n in range(1, 8)]


async def test_a_broken_quote_and_a_windows_1256_row_cost_only_their_own_lines(
    client, world, settings
):
    good = (
        "G-{n},meeting,اجتماع {n},2026-03-0{n}T10:00:00+03:00,2026-03-0{n}T11:00:00+03:00,,,,,,,,\n"
    )
    content = (
        (CSV_HEADER + good.format(n=1)).encode()
        + b'B-1,meeting,"broken quote,2026-03-02T10:00:00+03:00,2026-03-02T11:00:00+03:00,,,,,,,,\n'
        + "W-1,meeting,اجتماع بترميز آخر,2026-03-03T10:00:00+03:00,2026-03-03T11:00:00+03:00"
        ",,,,,,,,\n".encode("cp1256")
        + good.format(n=4).encode()
    )
    headers = world.auth("agent@A")
    done = await run(settings, client, headers, await start(client, headers, content))
    assert (done["rows_imported"], done["rows_rejected"]) == (2, 2)
    assert sorted(int(e["line"]) for e in await errors_of(client, headers, done)) == [3, 4]
    keys = await fetch(settings, "SELECT external_id FROM calendar_entry ORDER BY 1")
    assert [k["external_id"] for k in keys] == ["G-1", "G-4"]
