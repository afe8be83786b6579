"""SQL of the calendar's imports: the entries a batch's keys name, and the set-based write
of a batch (asyncpg, on the import's connection): the entries COPied into a staging table
and upserted by one statement with their history and outbox events, then their
occurrences and overrides COPied."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, cast

import asyncpg
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry, History, Occurrence, Override
from services.common.imports.staging import column_type, create_stage, delivery_ctes, stage
from services.common.models import OutboxEvent


async def overrides_of(
    session: AsyncSession, entry_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Override]]:
    """The moved and cancelled occurrences of these entries (one query)."""
    if not entry_ids:
        return {}
    found: dict[uuid.UUID, list[Override]] = {}
    for override in await session.scalars(
        select(Override).where(Override.entry_id.in_(list(entry_ids)))
    ):
        found.setdefault(override.entry_id, []).append(override)
    return found


# --- the set-based write --------------------------------------------------------------

_ENTRY = cast(Table, Entry.__table__)
ENTRY_STAGE = "calendar_entry_import_stage"
# what an import writes of an entry (the rest are the table's defaults)
ENTRY_COLUMNS = (
    "id",
    "organization_id",
    "kind",
    "title_ar",
    "title_en",
    "description_ar",
    "description_en",
    "search_text",
    "all_day",
    "starts_at",
    "ends_at",
    "start_date",
    "end_date",
    "timezone",
    "rrule",
    "exdates",
    "channels",
    "audiences",
    "visibility",
    "spokesperson_id",
    "location",
    "campaign_id",
    "flight_id",
    "external_source",
    "external_id",
    "blocks",
    "enforcement",
    "status",
    "version",
    "series_span",
    "created_by",
    "updated_by",
)
STORED_ENTRIES = f"""
SELECT {", ".join(f"e.{c}" for c in ENTRY_COLUMNS)}
FROM calendar_entry AS e
JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
  ON e.external_source = k.source AND e.external_id = k.external_id
WHERE e.external_id IS NOT NULL
ORDER BY e.id
FOR UPDATE OF e
"""  # noqa: S608


async def stored_entries(
    connection: Any, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The `ENTRY_COLUMNS` of the entries of these keys, locked for the batch (in id order,
    so two imports lock in the same order)."""
    if not keys:
        return {}
    rows = await connection.fetch(STORED_ENTRIES, [k[0] for k in keys], [k[1] for k in keys])
    found = {}
    for row in rows:
        values = dict(row)
        if isinstance(values["exdates"], str):
            values["exdates"] = json.loads(values["exdates"])
        found[(values["external_source"], values["external_id"])] = values
    return found


# what a known key's row may change (its id, organization, key and creator stay)
_KEPT = {"id", "organization_id", "external_source", "external_id", "created_by", "updated_by"}
CHANGED_COLUMNS = tuple(c for c in ENTRY_COLUMNS if c not in _KEPT)
CREATE_ENTRY_STAGE = create_stage(
    ENTRY_STAGE, [(name, column_type(_ENTRY, name)) for name in ENTRY_COLUMNS]
)
# the entries' history rows and outbox events (in the order given)
HISTORY_STAGE = "calendar_entry_history_import_stage"
HISTORY_COLUMNS = ("entry_id", "version", "action", "from_status", "to_status", "comment")
CREATE_HISTORY_STAGE = create_stage(
    HISTORY_STAGE,
    [("position", "integer")]
    + [(name, column_type(cast(Table, History.__table__), name)) for name in HISTORY_COLUMNS],
)
EVENT_STAGE = "calendar_entry_event_import_stage"
EVENT_COLUMNS = ("aggregate_id", "organization_id", "event_type", "payload")
CREATE_EVENT_STAGE = create_stage(
    EVENT_STAGE,
    [("position", "integer")]
    + [(name, column_type(cast(Table, OutboxEvent.__table__), name)) for name in EVENT_COLUMNS],
)
_LISTED = ", ".join(ENTRY_COLUMNS)
_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in CHANGED_COLUMNS)
_MINE = ", ".join(f"calendar_entry.{c}" for c in CHANGED_COLUMNS)
_THEIRS = ", ".join(f"EXCLUDED.{c}" for c in CHANGED_COLUMNS)
# One statement a batch: new keys inserted, known keys updated when something changed
# (their columns, or their overrides: `$1`) and only the entry the batch read and locked
# (a key another import inserted meanwhile keeps that import's entry); each written entry's
# history rows and events (with their delivery jobs) from their stages
UPSERT_ENTRIES = f"""
WITH upserted AS (
    INSERT INTO calendar_entry ({_LISTED})
    SELECT {_LISTED} FROM {ENTRY_STAGE}
    ON CONFLICT (external_source, external_id) WHERE external_id IS NOT NULL DO UPDATE
    SET {_SET}, updated_by = EXCLUDED.updated_by, updated_at = now()
    WHERE calendar_entry.id = EXCLUDED.id
      AND (({_MINE}) IS DISTINCT FROM ({_THEIRS}) OR calendar_entry.id = ANY($1::uuid[]))
    RETURNING id, (xmax = 0) AS inserted
), history AS (
    INSERT INTO calendar_entry_history (id, entry_id, version, action, from_status, to_status,
                                        actor_id, actor_type, comment)
    SELECT gen_random_uuid(), h.entry_id, h.version, h.action, h.from_status, h.to_status,
           $2, $3, h.comment
    FROM {HISTORY_STAGE} AS h JOIN upserted AS u ON u.id = h.entry_id
    ORDER BY h.position
), events AS (
    INSERT INTO common_outbox (id, event_type, aggregate_type, aggregate_id, organization_id,
                               payload)
    SELECT gen_random_uuid(), e.event_type, 'calendar_entry', e.aggregate_id,
           e.organization_id, e.payload
    FROM {EVENT_STAGE} AS e JOIN upserted AS u ON u.id = e.aggregate_id
    ORDER BY e.position
    RETURNING id
){delivery_ctes("events")}
SELECT id, inserted FROM upserted
"""  # noqa: S608

OCCURRENCE_COLUMNS = tuple(c.name for c in cast(Table, Occurrence.__table__).columns)
OVERRIDE_COLUMNS = (
    "entry_id",
    "recurrence_id",
    "starts_at",
    "ends_at",
    "start_date",
    "end_date",
    "cancelled",
)
DROP_OVERRIDES = """
DELETE FROM calendar_override AS o
USING unnest($1::uuid[], $2::text[]) AS k(entry_id, recurrence_id)
WHERE o.entry_id = k.entry_id AND o.recurrence_id = k.recurrence_id
"""


def _value(value: Any) -> Any:
    """A model value as asyncpg's COPY takes it (ranges, JSON documents)."""
    if isinstance(value, Range):
        return asyncpg.Range(
            value.lower,
            value.upper,
            lower_inc=value.bounds[0] == "[",
            upper_inc=value.bounds[1] == "]",
        )
    return value


_RANGES = {"span", "days"}  # the occurrence's range columns


def _occurrence(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(_value(row[c]) if c in _RANGES else row[c] for c in OCCURRENCE_COLUMNS)


def entry_record(values: dict[str, Any]) -> tuple[Any, ...]:
    """A staged entry: its `ENTRY_COLUMNS`."""
    record = [_value(values[name]) for name in ENTRY_COLUMNS]
    record[ENTRY_COLUMNS.index("exdates")] = json.dumps(values["exdates"])
    return tuple(record)


async def upsert_entries(
    connection: Any,
    entries: Sequence[tuple[Any, ...]],
    history: Sequence[tuple[Any, ...]],
    events: Sequence[tuple[uuid.UUID, uuid.UUID, str, dict[str, Any]]],
    overrides_changed: Sequence[uuid.UUID],
    actor: tuple[str, str],
) -> dict[uuid.UUID, bool]:
    """Stages the entries (`entry_record`), their history rows (`HISTORY_COLUMNS`) and
    events (`EVENT_COLUMNS`, the payload JSON-ready) and upserts them; the written entries'
    ids, each with whether it was inserted (else updated)."""
    await stage(connection, ENTRY_STAGE, CREATE_ENTRY_STAGE, ENTRY_COLUMNS, entries)
    await stage(
        connection,
        HISTORY_STAGE,
        CREATE_HISTORY_STAGE,
        ("position", *HISTORY_COLUMNS),
        [(n, *h) for n, h in enumerate(history)],
    )
    await stage(
        connection,
        EVENT_STAGE,
        CREATE_EVENT_STAGE,
        ("position", *EVENT_COLUMNS),
        [(n, *e[:3], json.dumps(e[3], ensure_ascii=False)) for n, e in enumerate(events)],
    )
    rows = await connection.fetch(UPSERT_ENTRIES, list(overrides_changed), *actor)
    return {row["id"]: row["inserted"] for row in rows}


async def write_occurrences(
    connection: Any, replaced: Sequence[uuid.UUID], rows: Sequence[dict[str, Any]]
) -> None:
    """The occurrences of the written entries: those of the `replaced` ones deleted, then
    every row COPied in."""
    if replaced:
        await connection.execute(
            "DELETE FROM calendar_occurrence WHERE entry_id = ANY($1::uuid[])", list(replaced)
        )
    if rows:
        await connection.copy_records_to_table(
            "calendar_occurrence",
            records=[_occurrence(row) for row in rows],
            columns=list(OCCURRENCE_COLUMNS),
        )


async def write_overrides(
    connection: Any,
    dropped: Sequence[tuple[uuid.UUID, str]],
    added: Sequence[Override],
) -> None:
    """Overrides the files no longer have (or hold otherwise) deleted, new ones COPied."""
    if dropped:
        await connection.execute(DROP_OVERRIDES, [d[0] for d in dropped], [d[1] for d in dropped])
    if added:
        await connection.copy_records_to_table(
            "calendar_override",
            records=[tuple(getattr(o, c) for c in OVERRIDE_COLUMNS) for o in added],
            columns=list(OVERRIDE_COLUMNS),
        )
