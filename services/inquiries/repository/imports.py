"""The SQL of inquiry imports: lookups by code and key, the staging table, the upsert.

A batch is COPied into a temporary staging table (one row per inquiry of the batch: the
new inquiry's columns `i_*`, its history row `e_*` and its outbox event `o_*`, or, for a
key that exists, the fields an import may change), then written by one statement: the
changed existing inquiries updated, the new ones inserted (their history, outbox events and
the events' delivery jobs with them), keyed on (`source`, `external_id`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table

from services.common.imports.staging import column_type, create_stage, delivery_ctes, stage
from services.common.models import OutboxEvent
from services.inquiries.models import Event, Inquiry

STAGE = "inquiry_import_stage"
_INQUIRY, _EVENT, _OUTBOX = (cast(Table, m.__table__) for m in (Inquiry, Event, OutboxEvent))

INQUIRY_COLUMNS = tuple(c.key for c in _INQUIRY.c if c.computed is None)
EVENT_COLUMNS = tuple(c.key for c in _EVENT.c)
OUTBOX_COLUMNS = (
    "id",
    "event_type",
    "aggregate_type",
    "aggregate_id",
    "organization_id",
    "payload",
    "request_id",
)
# what a row of the file may change on an inquiry it imported before: its texts and the
# citizen's details; routing, kind and the workflow are the hub's from then on
UPDATABLE = (
    "subject",
    "body",
    "contact_name",
    "contact_phone",
    "contact_email",
    "location_lat",
    "location_long",
    "location_address",
    "outlet",
    "deadline",
)

STAGE_COLUMNS: tuple[str, ...] = (
    "existing",
    *(f"i_{name}" for name in INQUIRY_COLUMNS),
    *(f"e_{name}" for name in EVENT_COLUMNS),
    *(f"o_{name}" for name in OUTBOX_COLUMNS),
)


CREATE_STAGE = create_stage(
    STAGE,
    [("existing", "boolean NOT NULL")]
    + [(f"i_{n}", column_type(_INQUIRY, n)) for n in INQUIRY_COLUMNS]
    + [(f"e_{n}", column_type(_EVENT, n)) for n in EVENT_COLUMNS]
    + [(f"o_{n}", column_type(_OUTBOX, n)) for n in OUTBOX_COLUMNS],
)


def _list(names: Sequence[str], prefix: str = "") -> str:
    return ", ".join(prefix + name for name in names)


# built from the models' column names only, never from data
UPSERT = f"""
WITH updated AS (
    UPDATE inquiry AS t SET {", ".join(f"{n} = s.i_{n}" for n in UPDATABLE)}, updated_at = now()
    FROM {STAGE} AS s
    WHERE s.existing AND t.source = s.i_source AND t.external_id = s.i_external_id
      AND t.external_id IS NOT NULL
      AND ({_list(UPDATABLE, "t.")}) IS DISTINCT FROM ({_list(UPDATABLE, "s.i_")})
    RETURNING t.id
), inserted AS (
    INSERT INTO inquiry ({_list(INQUIRY_COLUMNS)})
    SELECT {_list(INQUIRY_COLUMNS, "i_")} FROM {STAGE} WHERE NOT existing
    ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO NOTHING
    RETURNING id
), history AS (
    INSERT INTO inquiry_event ({_list(EVENT_COLUMNS)})
    SELECT {_list(EVENT_COLUMNS, "s.e_")} FROM {STAGE} AS s JOIN inserted ON inserted.id = s.i_id
), events AS (
    INSERT INTO common_outbox ({_list(OUTBOX_COLUMNS)})
    SELECT {_list(OUTBOX_COLUMNS, "s.o_")} FROM {STAGE} AS s JOIN inserted ON inserted.id = s.i_id
    RETURNING id
){delivery_ctes("events")}
SELECT (SELECT count(*) FROM inserted) AS inserted, (SELECT count(*) FROM updated) AS updated
"""  # noqa: S608

ORGANIZATIONS_BY_CODE = "SELECT code, id FROM directory_organization WHERE code = ANY($1::text[])"
# the category of that code in the organization or the nearest one above it
CATEGORY_ABOVE = """
SELECT c.id FROM inquiry_category AS c
JOIN directory_organization AS o ON o.id = c.organization_id
WHERE c.code = $2 AND o.path @> (SELECT path FROM directory_organization WHERE id = $1)
ORDER BY nlevel(o.path) DESC LIMIT 1
"""
# categories of that code in a subtree (NULL root: everywhere)
CATEGORIES_BELOW = """
SELECT c.id FROM inquiry_category AS c
JOIN directory_organization AS o ON o.id = c.organization_id
WHERE c.code = $2 AND ($1::uuid IS NULL
    OR o.path <@ (SELECT path FROM directory_organization WHERE id = $1))
LIMIT 2
"""
WITHIN = """
SELECT o.id FROM directory_organization AS o
WHERE o.id = ANY($1::uuid[]) AND o.path <@ (SELECT path FROM directory_organization WHERE id = $2)
"""
EXISTING = f"""
SELECT i.source, i.external_id, i.organization_id, {_list(UPDATABLE, "i.")} FROM inquiry AS i
JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
  ON i.source = k.source AND i.external_id = k.external_id
WHERE i.external_id IS NOT NULL
"""  # noqa: S608


async def organizations_by_code(connection: Any, codes: list[str]) -> dict[str, uuid.UUID]:
    return {row["code"]: row["id"] for row in await connection.fetch(ORGANIZATIONS_BY_CODE, codes)}


async def category_above(connection: Any, org_id: uuid.UUID, code: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await connection.fetchval(CATEGORY_ABOVE, org_id, code)
    return found


async def categories_below(connection: Any, root: uuid.UUID | None, code: str) -> list[uuid.UUID]:
    return [row["id"] for row in await connection.fetch(CATEGORIES_BELOW, root, code)]


async def within(connection: Any, org_ids: list[uuid.UUID], root: uuid.UUID) -> set[uuid.UUID]:
    return {row["id"] for row in await connection.fetch(WITHIN, org_ids, root)}


async def existing(
    connection: Any, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[uuid.UUID, tuple[Any, ...]]]:
    """Each key already imported: its owning organization and its `UPDATABLE` values."""
    rows = await connection.fetch(EXISTING, [k[0] for k in keys], [k[1] for k in keys])
    return {
        (row["source"], row["external_id"]): (row["organization_id"], tuple(row.values())[3:])
        for row in rows
    }


async def write_batch(connection: Any, records: list[tuple[Any, ...]]) -> tuple[int, int]:
    """Stages the batch and upserts it; (inserted, updated)."""
    await stage(connection, STAGE, CREATE_STAGE, STAGE_COLUMNS, records)
    row = await connection.fetchrow(UPSERT)
    return int(row["inserted"]), int(row["updated"])
