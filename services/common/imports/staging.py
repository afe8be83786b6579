"""What the set-based kinds share: a temporary staging table shaped after a model's
columns, COPY into it, and the delivery jobs of the outbox events a statement inserts.

A batch is COPied (binary, asyncpg `copy_records_to_table`) into a temporary table of the
connection that empties itself at commit (`ON COMMIT DELETE ROWS`), then written by one
statement whose data-modifying CTEs insert the records, their history, their outbox events
and one delivery job per event (`delivery_ctes`), as `services.common.outbox.emit` does for
a single create.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

from services.common.outbox import DELIVER_ENTRYPOINT
from services.common.queue import QUEUE_PREFIX

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def column_type(table: Table, name: str) -> str:
    """The column's PostgreSQL type as the model declares it."""
    return str(table.c[name].type.compile(dialect=_DIALECT))


def create_stage(name: str, columns: Sequence[tuple[str, str]]) -> str:
    """`CREATE TEMP TABLE` of (column, type) pairs, emptied at each commit; built from the
    models' names only, never from data."""
    listed = ", ".join(f"{column} {kind}" for column, kind in columns)
    return f"CREATE TEMP TABLE IF NOT EXISTS {name} ({listed}) ON COMMIT DELETE ROWS"


async def stage(
    connection: Any,
    name: str,
    create: str,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
) -> None:
    """The batch's records in the (empty) staging table `name`."""
    await connection.execute(create)
    await connection.execute(f"TRUNCATE {name}")
    await connection.copy_records_to_table(name, records=records, columns=list(columns))


def delivery_ctes(events: str) -> str:
    """`, jobs AS (…), job_log AS (…)`: one outbox delivery job (and its pgqueuer log row)
    per row of the CTE `events` (which returns the inserted outbox rows' `id`)."""
    return f""", jobs AS (
    INSERT INTO {QUEUE_PREFIX}pgqueuer (priority, entrypoint, payload, status, headers)
    SELECT 0, '{DELIVER_ENTRYPOINT}', convert_to({events}.id::text, 'UTF8'),
           'queued'::{QUEUE_PREFIX}pgqueuer_status, 'null'::jsonb
    FROM {events}
    RETURNING id, entrypoint, priority
), job_log AS (
    INSERT INTO {QUEUE_PREFIX}pgqueuer_log (job_id, status, entrypoint, priority)
    SELECT id, 'queued'::{QUEUE_PREFIX}pgqueuer_status, entrypoint, priority FROM jobs
)"""  # noqa: S608
