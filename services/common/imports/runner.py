"""The worker's side of an import: reads the file, validates, loads batch by batch.

A job runs as the pgqueuer job `imports.run` (payload: the job's id). Each batch is one
transaction: the kind's load (COPY into staging, one set-based upsert), the rejected rows
of the batch, the job's counts and `records_done` (how many records of the file lie behind
it) commit together or not at all. A worker killed mid-import leaves its pgqueuer job with
a stale heartbeat; another worker (or the restarted one) picks it up and resumes after
`records_done`, so every row is written once. A session advisory lock on the job keeps a
second runner of the same job (a late heartbeat) from running beside the first.

A database error in a batch (a value PostgreSQL refuses) splits it in halves, each in a
savepoint, down to the row at fault, which is rejected with PostgreSQL's message: the other
rows of the batch are written. A dry run does all of it and rolls each batch back, keeping
only its counts and rejections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from services.common.auth import Principal
from services.common.i18n import current_language
from services.common.imports.kinds import (
    KINDS,
    ImportKind,
    JobRun,
    Outcome,
    Rejection,
    Row,
    nested_fields,
    validate,
)
from services.common.imports.readers import RecordReader, open_reader
from services.common.queue import queries_on_connection

logger = logging.getLogger("govhub.imports")

ENTRYPOINT = "imports.run"
# a 64-bit advisory lock key per job: this namespace and the job id's first 32 bits
_LOCK_NAMESPACE = 0x696D70  # "imp"
REJECTION_COLUMNS = ("job_id", "line", "field", "value", "reason")
# rows a database error isolates at most by halving, before the rest are rejected together
DATA_ERRORS = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
# records validated between two looks at the event loop (the batch being written meanwhile)
VALIDATE_SLICE = 100


def job_payload(job_id: uuid.UUID) -> bytes:
    return str(job_id).encode()


# before the outbox's deliveries: an import queues one per new row, and a worker picking up
# a stale import (its worker died) should not wait behind them
PRIORITY = 10


async def enqueue(connection: Any, job_id: uuid.UUID) -> None:
    """Queues the job's run on `connection` (in the caller's transaction)."""
    await queries_on_connection(connection).enqueue(ENTRYPOINT, job_payload(job_id), PRIORITY)


def principal_of(actor: dict[str, Any]) -> Principal:
    org = actor.get("organization_id")
    return Principal(
        subject=actor["subject"],
        kind=actor["kind"],
        organization_id=uuid.UUID(org) if org else None,
        roles=frozenset(actor.get("roles", ())),
        scopes=frozenset(actor.get("scopes", ())),
        username=actor.get("username"),
    )


def actor_of(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "kind": principal.kind,
        "organization_id": str(principal.organization_id) if principal.organization_id else None,
        "roles": sorted(principal.roles),
        "scopes": sorted(principal.scopes),
        "username": principal.username,
    }


def _lock_key(job_id: uuid.UUID) -> int:
    return (_LOCK_NAMESPACE << 32) | (job_id.int >> 96)


async def _load_isolating(
    connection: Any, kind: ImportKind, run: JobRun, rows: list[Row]
) -> Outcome:
    """The kind's load in a savepoint; on a database error, each half on its own."""
    if not rows:
        return Outcome()
    try:
        async with connection.transaction():
            return await kind.load(connection, run, rows)
    except DATA_ERRORS as exc:
        if len(rows) == 1:
            message = getattr(exc, "message", None) or str(exc)
            column = getattr(exc, "column_name", None)
            return Outcome(rejections=[Rejection(rows[0].line, message, column)])
        half = len(rows) // 2
        outcome = await _load_isolating(connection, kind, run, rows[:half])
        outcome.add(await _load_isolating(connection, kind, run, rows[half:]))
        return outcome


class _Batches:
    """The file's records from `skip` on, in batches of the kind's size."""

    def __init__(self, reader: RecordReader, skip: int, size: int) -> None:
        self.reader = reader
        self.skip = skip
        self.size = size

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for index, record in enumerate(self.reader, start=1):
            if index <= self.skip:
                continue
            batch.append(record)
            if len(batch) >= self.size:
                yield batch
                batch = []
        if batch:
            yield batch


class Runner:
    def __init__(self, connection: Any, job: Any, kind: ImportKind) -> None:
        self.connection = connection
        self.job = job
        self.kind = kind
        self.nested = nested_fields(kind.schema)
        self.run = JobRun(
            id=job["id"],
            principal=principal_of(json.loads(job["actor"])),
            source=job["source"],
            dry_run=job["dry_run"],
        )
        self.context = {"source": job["source"]}
        self.last = time.monotonic()  # when the last batch committed (its run seconds)

    async def validated(self, records: list[Any]) -> tuple[list[Row], list[Rejection]]:
        """The batch's rows through the kind's schema. CPU only: it yields to the event
        loop every `VALIDATE_SLICE` records, so the previous batch's write (the database's
        work, on the other core) goes on meanwhile."""
        rows: list[Row] = []
        rejections: list[Rejection] = []
        schema, nested, context = self.kind.schema, self.nested, self.context
        for start in range(0, len(records), VALIDATE_SLICE):
            if start:
                await asyncio.sleep(0)
            for record in records[start : start + VALIDATE_SLICE]:
                if record.values is None:
                    rejections.append(
                        Rejection(record.line, record.reason or "", record.field, record.value)
                    )
                    continue
                checked = validate(schema, nested, record.line, record.values, context)
                if isinstance(checked, Row):
                    rows.append(checked)
                else:
                    rejections.extend(checked)
        return rows, rejections

    async def batch(
        self,
        records: list[Any],
        checked: tuple[list[Row], list[Rejection]],
        progress: float,
    ) -> bool:
        """Writes one batch (`checked`: its rows and rejections from `validated`) and the
        job's counts; False when the job is no longer running (cancelled), and nothing of
        the batch is written then."""
        rows, rejections = checked[0], list(checked[1])
        connection = self.connection
        async with connection.transaction():
            # the batch's commit does not wait for its WAL to reach the disk: a crash that
            # loses it loses `records_done` with it, and the job resumes before the batch
            await connection.execute("SET LOCAL synchronous_commit TO off")
            state = await connection.fetchval(
                "SELECT state FROM common_import_job WHERE id = $1 FOR UPDATE", self.run.id
            )
            if state != "running":
                return False
            if self.run.dry_run:
                trial = connection.transaction()
                await trial.start()
                try:
                    outcome = await _load_isolating(connection, self.kind, self.run, rows)
                finally:
                    await trial.rollback()
            else:
                outcome = await _load_isolating(connection, self.kind, self.run, rows)
            rejections.extend(outcome.rejections)
            if rejections:
                await connection.copy_records_to_table(
                    "common_import_rejection",
                    columns=REJECTION_COLUMNS,
                    records=[
                        (self.run.id, r.line, r.field and r.field[:200], r.value, r.reason)
                        for r in rejections
                    ],
                )
            rejected_lines = len({r.line for r in rejections})
            await connection.execute(
                "UPDATE common_import_job SET rows_seen = rows_seen + $2, "
                "rows_imported = rows_imported + $3, rows_updated = rows_updated + $4, "
                "rows_unchanged = rows_unchanged + $5, rows_rejected = rows_rejected + $6, "
                "records_done = records_done + $2, batches_done = batches_done + 1, "
                "progress = $7, run_seconds = run_seconds + $8, updated_at = now() "
                "WHERE id = $1",
                self.run.id,
                len(records),
                outcome.imported,
                outcome.updated,
                outcome.unchanged,
                rejected_lines,
                progress,
                time.monotonic() - self.last,
            )
        self.last = time.monotonic()
        return True

    async def finish(self) -> None:
        async with self.connection.transaction():
            job = await self.connection.fetchrow(
                "UPDATE common_import_job SET state = 'succeeded', progress = 1, "
                "finished_at = now(), updated_at = now() WHERE id = $1 AND state = 'running' "
                "RETURNING *",
                self.run.id,
            )
            if job is None or job["dry_run"]:
                return
            principal = self.run.principal
            changes = {
                name: job[name]
                for name in (
                    "kind",
                    "source",
                    "filename",
                    "rows_seen",
                    "rows_imported",
                    "rows_updated",
                    "rows_unchanged",
                    "rows_rejected",
                )
            }
            await self.connection.execute(
                "INSERT INTO common_audit_log (id, service, actor_id, actor_type, "
                "organization_id, action, resource_type, resource_id, changes, request_id) "
                "VALUES ($1, $2, $3, $4, $5, 'import', 'import_job', $6, $7, $8)",
                uuid.uuid4(),
                job["service"],
                principal.subject,
                principal.kind,
                job["organization_id"],
                job["id"],
                json.dumps(changes, ensure_ascii=False),
                job["request_id"],
            )


async def _fail(connection: Any, job_id: uuid.UUID, error: str) -> None:
    await connection.execute(
        "UPDATE common_import_job SET state = 'failed', error = $2, finished_at = now(), "
        "updated_at = now() WHERE id = $1 AND state = 'running'",
        job_id,
        error[:2000],
    )


async def run_import(database_url: str, job_id: uuid.UUID) -> str:
    """Runs (or resumes) one job to its end; returns its state afterwards."""
    connection = await asyncpg.connect(database_url, server_settings={"timezone": "UTC"})
    try:
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", _lock_key(job_id)):
            return "busy"
        job = await connection.fetchrow(
            "UPDATE common_import_job SET state = 'running', "
            "started_at = coalesce(started_at, now()), updated_at = now() "
            "WHERE id = $1 AND state IN ('queued', 'running') RETURNING *",
            job_id,
        )
        if job is None:
            return "gone"
        kind = KINDS.get((job["service"], job["kind"]))
        if kind is None:
            await _fail(connection, job_id, f"no import kind {job['service']}/{job['kind']}")
            return "failed"
        current_language.set("en" if job["language"] == "en" else "ar")
        runner = Runner(connection, job, kind)
        path = Path(job["path"])
        try:
            reader = kind.records(path, job["format"], job["encoding"]) or open_reader(
                path, job["format"], job["encoding"]
            )
            detected = getattr(reader, "encoding", None)
            if detected and detected != job["encoding"]:
                await connection.execute(
                    "UPDATE common_import_job SET encoding = $2 WHERE id = $1", job_id, detected
                )
            with _Closing(reader):
                if not await _pipeline(runner, reader, job["records_done"]):
                    return "cancelled"
            await runner.finish()
        except Exception as exc:
            # a lost connection is a lost worker: the job resumes elsewhere
            if isinstance(exc, asyncpg.PostgresConnectionError | ConnectionError):
                raise
            logger.exception("import %s failed", job_id)
            await _fail(connection, job_id, f"{type(exc).__name__}: {exc}")
            return "failed"
        logger.info("import %s finished", job_id)
        return "succeeded"
    finally:
        await connection.close()


async def _pipeline(runner: Runner, reader: RecordReader, skip: int) -> bool:
    """The file's batches, each validated while the one before it is written: one batch's
    write in flight at a time, in the file's order. False when the job was cancelled."""
    writing: asyncio.Task[bool] | None = None
    try:
        for records in _Batches(reader, skip, runner.kind.batch_size):
            checked = await runner.validated(records)
            if writing is not None and not await writing:
                return False
            writing = asyncio.create_task(runner.batch(records, checked, reader.progress))
            await asyncio.sleep(0)  # the write starts before the next batch is read
        return writing is None or await writing
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
            with contextlib.suppress(BaseException):
                await writing


class _Closing:
    def __init__(self, reader: RecordReader) -> None:
        self.reader = reader

    def __enter__(self) -> RecordReader:
        return self.reader

    def __exit__(self, *_: object) -> None:
        self.reader.close()


def register_worker(pgq: Any, database_url: str, retry_seconds: float = 30.0) -> None:
    """Adds the `imports.run` entrypoint to a worker's PgQueuer. A run that lost its
    connection, or found the job held by another runner, is queued again (`retry_seconds`
    later): it resumes the job, or finds it ended."""
    from pgqueuer.errors import RetryRequested
    from pgqueuer.models import Job

    @pgq.entrypoint(ENTRYPOINT)  # type: ignore[untyped-decorator]
    async def run_import_job(job: Job) -> None:
        assert job.payload is not None
        try:
            state = await run_import(database_url, uuid.UUID(job.payload.decode()))
        except (asyncpg.PostgresConnectionError, ConnectionError, OSError) as exc:
            logger.warning("import job %s lost its connection, queued again: %s", job.id, exc)
            raise RetryRequested(timedelta(seconds=retry_seconds), str(exc)) from exc
        if state == "busy":
            raise RetryRequested(timedelta(seconds=retry_seconds), "held by another runner")
