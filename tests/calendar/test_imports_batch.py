"""The set-based load of calendar entries (`services/calendar/imports/batch.py`): an
imported entry is what a single create (and an occurrence move) makes, a batch writes its
history, events and delivery jobs and one audit entry, overrides land on their series, a
rerun writes nothing, and a changed row is an update by the update's rules (a pending entry
back to `pending`, a version more, an override the file no longer has dropped)."""

from __future__ import annotations

import json
from typing import Any

from tests.calendar.conftest import act, create_entry
from tests.calendar.test_imports import errors_of, run, start
from tests.database import fetch

SERIES: dict[str, Any] = {
    "kind": "meeting",
    "title_ar": "المجلس الأسبوعي",
    "title_en": "Weekly majlis",
    "starts_at": "2026-01-04T19:00:00+03:00",
    "ends_at": "2026-01-04T21:00:00+03:00",
    "rrule": "FREQ=WEEKLY;COUNT=6",
    "exdates": ["20260111T160000Z"],
    "channels": ["majlis"],
    "audiences": ["citizens"],
    "location": "مجلس الحي",
}
MOVED = ("20260118T160000Z", "2026-01-19T20:00:00+03:00", "2026-01-19T22:00:00+03:00")
CANCELLED = "20260125T160000Z"


def _lines(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _rows(title_of_single: str = "مؤتمر صحفي", cancelled: bool = True) -> list[dict[str, Any]]:
    overrides: list[dict[str, Any]] = [
        {"recurrence_id": MOVED[0], "starts_at": MOVED[1], "ends_at": MOVED[2]}
    ]
    if cancelled:
        overrides.append({"recurrence_id": CANCELLED, "cancelled": True})
    return [
        {"external_id": "S-1", **SERIES, "overrides": overrides},
        {
            "external_id": "P-1",
            "kind": "press_conference",
            "title_ar": title_of_single,
            "starts_at": "2026-03-10T10:00:00+03:00",
            "ends_at": "2026-03-10T11:00:00+03:00",
        },
        {
            "external_id": "D-1",
            "kind": "community_event",
            "title_ar": "يوم مفتوح",
            "all_day": True,
            "start_date": "2026-04-05",
            "end_date": "2026-04-06",
        },
    ]


ENTRY_COLUMNS = (
    "organization_id, kind, title_ar, title_en, description_ar, description_en, search_text, "
    "all_day, starts_at, ends_at, start_date, end_date, timezone, rrule, exdates, channels, "
    "audiences, visibility, spokesperson_id, location, campaign_id, flight_id, blocks, "
    "enforcement, status, version, series_span, created_by, updated_by"
)


async def test_an_imported_entry_is_what_a_single_create_and_move_make(client, world, settings):
    made = await create_entry(client, world, **SERIES)
    moved = await client.patch(
        f"/v1/calendar/entries/{made['id']}/occurrences/{MOVED[0]}",
        json={"starts_at": MOVED[1], "ends_at": MOVED[2]},
        headers=world.auth("agent@A"),
    )
    assert moved.status_code == 200, moved.text
    headers = world.auth("agent@A")
    content = _lines(_rows(cancelled=False)[:1])
    done = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (1, 0), done
    [imported] = await fetch(settings, "SELECT id FROM calendar_entry WHERE external_id = 'S-1'")
    ids = {"api": made["id"], "import": imported["id"]}
    entries = {
        name: await fetch(
            settings, f"SELECT {ENTRY_COLUMNS} FROM calendar_entry WHERE id = $1", ident
        )
        for name, ident in ids.items()
    }
    assert entries["import"] == entries["api"]
    for table, columns in (
        (
            "calendar_occurrence",
            "recurrence_id, organization_id, kind, status, visibility, channels, audiences, "
            "starts_at, ends_at, start_date, end_date, span, days, overridden, cancelled",
        ),
        ("calendar_override", "recurrence_id, starts_at, ends_at, start_date, end_date, cancelled"),
        ("calendar_entry_history", "version, action, from_status, to_status, actor_id"),
    ):
        found = {
            name: await fetch(
                settings,
                f"SELECT {columns} FROM {table} WHERE entry_id = $1 ORDER BY 1",
                ident,
            )
            for name, ident in ids.items()
        }
        assert found["import"] == found["api"], table
        assert found["api"], table
    # the move's `calendar.entry.changed` event, with the same payload but for the ids
    payloads = {}
    for name, ident in ids.items():
        [event] = await fetch(
            settings,
            "SELECT event_type, payload FROM common_outbox WHERE aggregate_id = $1",
            ident,
        )
        assert event["event_type"] == "calendar.entry.changed"
        payload = json.loads(event["payload"])
        assert payload["changed"] == [f"occurrence {MOVED[0]}"]
        payloads[name] = {
            k: v
            for k, v in payload.items()
            if k not in ("entry_id", "external_source", "external_id", "reapproval")
        }
    assert payloads["import"] == payloads["api"]


async def test_a_batch_writes_events_and_one_audit_entry_and_a_rerun_nothing(
    client, world, settings
):
    headers = world.auth("agent@A")
    content = _lines(_rows())
    done = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (3, 0), done
    entries = {
        r["external_id"]: r
        for r in await fetch(settings, "SELECT id, external_id, status FROM calendar_entry")
    }
    series = entries["S-1"]["id"]

    # the overrides landed on their series: one moved, one cancelled occurrence
    overrides = await fetch(
        settings,
        "SELECT entry_id, recurrence_id, starts_at, cancelled FROM calendar_override ORDER BY 2",
    )
    assert [(o["entry_id"], o["recurrence_id"], o["cancelled"]) for o in overrides] == [
        (series, MOVED[0], False),
        (series, CANCELLED, True),
    ]
    occurrences = {
        o["recurrence_id"]: o
        for o in await fetch(
            settings,
            "SELECT recurrence_id, starts_at, overridden, cancelled FROM calendar_occurrence "
            "WHERE entry_id = $1",
            series,
        )
    }
    assert len(occurrences) == 5  # six weeks less the exdate
    assert occurrences[MOVED[0]]["overridden"]
    assert occurrences[MOVED[0]]["starts_at"].isoformat() == "2026-01-19T17:00:00+00:00"
    assert occurrences[CANCELLED]["cancelled"]

    # each entry its create history; the series' moves one event, with its delivery job;
    # the import one audit entry
    history = await fetch(settings, "SELECT entry_id, action FROM calendar_entry_history")
    assert sorted((h["entry_id"], h["action"]) for h in history) == sorted(
        (e["id"], "create") for e in entries.values()
    )
    events = await fetch(
        settings,
        "SELECT id, aggregate_id, event_type, payload FROM common_outbox "
        "WHERE aggregate_type = 'calendar_entry'",
    )
    assert [(e["aggregate_id"], e["event_type"]) for e in events] == [
        (series, "calendar.entry.changed")
    ]
    assert sorted(json.loads(events[0]["payload"])["changed"]) == [
        f"occurrence {MOVED[0]}",
        f"occurrence {CANCELLED}",
    ]
    jobs = await fetch(
        settings, "SELECT payload FROM common_pgqueuer WHERE entrypoint = 'outbox.deliver'"
    )
    assert [bytes(j["payload"]).decode() for j in jobs].count(str(events[0]["id"])) == 1
    audit = await fetch(
        settings, "SELECT action, resource_type FROM common_audit_log WHERE service = 'calendar'"
    )
    assert [(a["action"], a["resource_type"]) for a in audit] == [("import", "import_job")]

    # submitted, the single entry waits for approval; a rerun of the file writes nothing
    submitted = await act(client, world, str(entries["P-1"]["id"]), "submit", "agent@A")
    assert submitted.status_code == 200, submitted.text
    before = {
        table: await fetch(settings, f"SELECT * FROM {table} ORDER BY 1, 2")
        for table in (
            "calendar_entry",
            "calendar_occurrence",
            "calendar_override",
            "calendar_entry_history",
            "common_outbox",
        )
    }
    again = await run(
        settings,
        client,
        headers,
        await start(client, headers, content, "application/x-ndjson"),
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 3)
    for table, rows in before.items():
        assert await fetch(settings, f"SELECT * FROM {table} ORDER BY 1, 2") == rows, table

    # changed: the single entry's title (not an approval field: it stays pending) and the
    # series without its cancelled occurrence (dropped; the occurrence is live again)
    changed = _lines(_rows(title_of_single="مؤتمر صحفي موسع", cancelled=False))
    third = await run(
        settings, client, headers, await start(client, headers, changed, "application/x-ndjson")
    )
    assert (third["rows_imported"], third["rows_updated"], third["rows_unchanged"]) == (0, 2, 1)
    [single] = await fetch(
        settings,
        "SELECT title_ar, status, version FROM calendar_entry WHERE external_id = 'P-1'",
    )
    assert (single["title_ar"], single["status"], single["version"]) == (
        "مؤتمر صحفي موسع",
        "pending",
        1,
    )
    overrides = await fetch(settings, "SELECT recurrence_id FROM calendar_override")
    assert [o["recurrence_id"] for o in overrides] == [MOVED[0]]
    [live] = await fetch(
        settings,
        "SELECT cancelled FROM calendar_occurrence WHERE entry_id = $1 AND recurrence_id = $2",
        series,
        CANCELLED,
    )
    assert not live["cancelled"]
    events = await fetch(
        settings,
        "SELECT aggregate_id, payload FROM common_outbox "
        "WHERE event_type = 'calendar.entry.changed' ORDER BY created_at",
    )
    assert len(events) == 3
    last = {e["aggregate_id"]: json.loads(e["payload"]) for e in events[1:]}
    assert last[entries["P-1"]["id"]]["changed"] == ["title_ar"]
    assert last[entries["P-1"]["id"]]["reapproval"] is False
    assert last[series]["changed"] == [f"occurrence {CANCELLED}"]

    # a new time is an approval field: the pending entry goes back to pending, a version more
    moved = changed.replace("2026-03-10T10:00:00+03:00", "2026-03-11T10:00:00+03:00").replace(
        "2026-03-10T11:00:00+03:00", "2026-03-11T11:00:00+03:00"
    )
    fourth = await run(
        settings, client, headers, await start(client, headers, moved, "application/x-ndjson")
    )
    assert (fourth["rows_updated"], fourth["rows_unchanged"]) == (1, 2)
    [single] = await fetch(
        settings, "SELECT id, status, version FROM calendar_entry WHERE external_id = 'P-1'"
    )
    assert (single["status"], single["version"]) == ("pending", 2)
    [change] = await fetch(
        settings,
        "SELECT version, from_status, to_status, comment FROM calendar_entry_history "
        "WHERE entry_id = $1 AND action = 'change'",
        single["id"],
    )
    assert (change["version"], change["from_status"], change["to_status"]) == (
        2,
        "pending",
        "pending",
    )
    assert change["comment"] == "ends_at; starts_at"
    [occurrence] = await fetch(
        settings,
        "SELECT status, starts_at FROM calendar_occurrence WHERE entry_id = $1",
        single["id"],
    )
    assert occurrence["status"] == "pending"
    assert occurrence["starts_at"].isoformat() == "2026-03-11T07:00:00+00:00"


async def test_a_batch_of_many_occurrences_is_written_in_parts(
    client, world, settings, monkeypatch
):
    """Past `OCCURRENCES_PER_WRITE` planned occurrence rows the batch writes what it has
    and goes on (in the same transaction): every entry and occurrence once."""
    from services.calendar.imports import batch

    monkeypatch.setattr(batch, "OCCURRENCES_PER_WRITE", 4)
    headers = world.auth("agent@A")
    rows = _rows() + [
        {**SERIES, "external_id": f"W-{n}", "title_ar": f"مجلس {n}", "overrides": []}
        for n in range(3)
    ]
    content = _lines(rows)
    done = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (6, 0), done
    counts = await fetch(
        settings,
        "SELECT e.external_id, count(o.*) AS n FROM calendar_entry AS e "
        "JOIN calendar_occurrence AS o ON o.entry_id = e.id GROUP BY 1 ORDER BY 1",
    )
    assert [(c["external_id"], c["n"]) for c in counts] == [
        ("D-1", 1),
        ("P-1", 1),
        ("S-1", 5),
        ("W-0", 5),
        ("W-1", 5),
        ("W-2", 5),
    ]
    again = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 6)


async def test_a_batchs_references_are_looked_up_together(client, world, settings):
    """Organizations (by code, with channels of an ancestor), a spokesperson and an
    unknown one, looked up for the whole batch: each row decided as its create would be."""
    headers = world.auth("agent@R")
    base = {
        "kind": "press_conference",
        "starts_at": "2026-04-07T10:00:00+03:00",
        "ends_at": "2026-04-07T11:00:00+03:00",
    }
    rows: list[dict[str, Any]] = [
        {**base, "external_id": "R-1", "title_ar": "مؤتمر", "channels": ["x"]},
        {
            **base,
            "external_id": "R-2",
            "title_ar": "مؤتمر العليا",
            "organization_code": "olaya",
            "channels": ["majlis", "x"],  # its own, and its region's
            "spokesperson_id": str(world.users["spokesperson@R"]),
        },
        {
            **base,
            "external_id": "R-3",
            "title_ar": "بلا متحدث",
            "spokesperson_id": str(world.orgs["A"]),
        },
        {**base, "external_id": "R-4", "title_ar": "شرقية", "organization_code": "eastern"},
    ]
    done = await run(
        settings,
        client,
        headers,
        await start(client, headers, _lines(rows), "application/x-ndjson"),
    )
    errors = {e["line"]: e["field"] for e in await errors_of(client, headers, done)}
    assert errors == {"3": "spokesperson_id", "4": "organization_id"}
    assert (done["rows_imported"], done["rows_rejected"]) == (2, 2), done
    made = {
        r["external_id"]: r
        for r in await fetch(
            settings, "SELECT external_id, organization_id, channels FROM calendar_entry"
        )
    }
    assert made["R-2"]["organization_id"] == world.orgs["A"]
    assert len(made["R-1"]["channels"]) == 1 and len(made["R-2"]["channels"]) == 2


async def test_a_cancelled_entry_is_what_a_create_and_cancel_make(client, world, settings):
    """STATUS:CANCELLED (`cancelled`): a new key is created and cancelled as through the
    API (its history, occurrences and `calendar.entry.cancelled` event); a rerun changes
    nothing; a known key the file now cancels is cancelled."""
    single = {k: v for k, v in SERIES.items() if k != "exdates"}
    made = await create_entry(client, world, **single)
    cancelled = await act(client, world, made["id"], "cancel", "agent@A")
    assert cancelled.status_code == 200, cancelled.text
    headers = world.auth("agent@A")
    rows = [
        {**single, "external_id": "C-1", "cancelled": True},
        {**single, "external_id": "C-2", "title_ar": "يلغى لاحقا"},
    ]
    done = await run(
        settings,
        client,
        headers,
        await start(client, headers, _lines(rows), "application/x-ndjson"),
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (2, 0), done
    [imported] = await fetch(settings, "SELECT id FROM calendar_entry WHERE external_id = 'C-1'")
    ids = {"api": made["id"], "import": imported["id"]}
    for sql in (
        f"SELECT {ENTRY_COLUMNS} FROM calendar_entry WHERE id = $1",
        "SELECT recurrence_id, status, cancelled FROM calendar_occurrence "
        "WHERE entry_id = $1 ORDER BY 1",
        "SELECT version, action, from_status, to_status FROM calendar_entry_history "
        "WHERE entry_id = $1 ORDER BY action DESC",
    ):
        found = {name: await fetch(settings, sql, ident) for name, ident in ids.items()}
        assert found["import"] == found["api"] and found["api"], sql
    payloads = {}
    for name, ident in ids.items():
        [event] = await fetch(
            settings,
            "SELECT payload FROM common_outbox WHERE aggregate_id = $1 "
            "AND event_type = 'calendar.entry.cancelled'",
            ident,
        )
        payload = json.loads(event["payload"])
        assert payload["status"] == "cancelled"
        payloads[name] = {
            k: v
            for k, v in payload.items()
            if k not in ("entry_id", "external_source", "external_id")
        }
    assert payloads["import"] == payloads["api"]

    again = await run(
        settings,
        client,
        headers,
        await start(client, headers, _lines(rows), "application/x-ndjson"),
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 2)

    rows[1]["cancelled"] = True
    third = await run(
        settings,
        client,
        headers,
        await start(client, headers, _lines(rows), "application/x-ndjson"),
    )
    assert (third["rows_updated"], third["rows_unchanged"]) == (1, 1)
    [later] = await fetch(
        settings, "SELECT id, status FROM calendar_entry WHERE external_id = 'C-2'"
    )
    assert later["status"] == "cancelled"
    statuses = await fetch(
        settings, "SELECT DISTINCT status FROM calendar_occurrence WHERE entry_id = $1", later["id"]
    )
    assert [s["status"] for s in statuses] == ["cancelled"]
    events = await fetch(
        settings, "SELECT event_type FROM common_outbox WHERE aggregate_id = $1", later["id"]
    )
    assert [e["event_type"] for e in events] == ["calendar.entry.cancelled"]


async def test_a_new_entry_citing_documents_goes_through_the_create(
    client, world, settings, make_client
):
    """The one row the use cases still take one by one: the create attaches its documents,
    the occurrence change moves its occurrence; a rerun (set-based) changes nothing."""
    from services.inquiries.app import create_app as create_inquiries
    from tests.attachments.conftest import pdf_bytes

    files = await make_client(create_inquiries)
    headers = world.auth("agent@A")
    uploaded = await files.post(
        "/v1/attachments", content=pdf_bytes(), params={"filename": "الملف.pdf"}, headers=headers
    )
    assert uploaded.status_code == 201, uploaded.text
    kit = uploaded.json()["id"]
    rows = _rows()[:1]
    rows[0]["attachment_ids"] = [kit]
    content = _lines(rows)
    done = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (done["rows_imported"], done["rows_rejected"]) == (1, 0), done
    [entry] = await fetch(settings, "SELECT id FROM calendar_entry")
    shown = await client.get(f"/v1/calendar/entries/{entry['id']}", headers=headers)
    assert shown.json()["attachment_ids"] == [kit]
    overrides = await fetch(settings, "SELECT recurrence_id, cancelled FROM calendar_override")
    assert sorted((o["recurrence_id"], o["cancelled"]) for o in overrides) == [
        (MOVED[0], False),
        (CANCELLED, True),
    ]
    again = await run(
        settings, client, headers, await start(client, headers, content, "application/x-ndjson")
    )
    assert (again["rows_imported"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 1)
