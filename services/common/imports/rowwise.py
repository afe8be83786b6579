"""Kinds whose rows go through the service's own use cases, one row at a time.

Some services' creates are units of work on a SQLAlchemy session (the calendar materializes
an entry's occurrences, the campaigns recompute the progress of parents and emit events);
their kinds (`RowwiseKind`) call those same functions for each row, on a session bound to
the runner's connection (`session_on`), so a batch is still one transaction of the job and
a killed worker still resumes after the last committed batch.

Each row runs in a savepoint: a row the service refuses (a `DomainError`: validation,
authorization, an unknown reference, a state the change is not allowed in) or whose values
PostgreSQL refuses is rejected with its line, field and reason and rolled back alone; the
batch's other rows stay. A key (`external_source`, `external_id`) repeated within a batch
is rejected. The use cases' own audit entries are folded into the job's single one
(`audit.folded`); their history rows and outbox events are written as for a single create.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import asyncpg
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import StaticPool

from services.common import audit
from services.common.errors import DomainError, Forbidden
from services.common.i18n import text
from services.common.imports.kinds import ImportKind, JobRun, Outcome, Rejection, Row
from services.common.orgtree import organization

Verdict = Literal["imported", "updated", "unchanged"]
_ENGINE = "rowwise.engine"
_ORG_CODES = "rowwise.organization_codes"
DATA_ERRORS = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


def _engine_on(connection: Any, job: JobRun) -> AsyncEngine:
    """An engine whose one connection is the runner's (kept for the job's run): SQLAlchemy
    begins its transactions on it as savepoints inside the batch's transaction, and never
    closes it (the runner does)."""
    engine: AsyncEngine | None = job.memo.get(_ENGINE)
    if engine is None:

        async def creator() -> Any:
            return connection

        engine = create_async_engine(
            "postgresql+asyncpg://",
            async_creator=creator,
            poolclass=StaticPool,
            pool_reset_on_return=None,
        )
        job.memo[_ENGINE] = engine
    return engine


@asynccontextmanager
async def session_on(connection: Any, job: JobRun) -> AsyncIterator[AsyncSession]:
    """A session on the runner's connection, inside the batch's transaction; committed
    (its savepoint released) when the block ends, rolled back if it raises."""
    engine = _engine_on(connection, job)
    async with AsyncSession(engine, expire_on_commit=False, autoflush=False) as session:
        yield session
        await session.commit()


class RowRefused(Exception):
    """A kind's own refusal of a row (an unknown code, an organization it may not change)."""

    def __init__(self, field: str | None, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value

    def rejection(self, line: int) -> Rejection:
        return Rejection(line, self.reason, self.field, _shown(self.value))


def _shown(value: Any) -> str | None:
    return None if value is None else str(value)[:200]


def repeated(line: int, key: tuple[str, str], first: int) -> Rejection:
    """A key the batch has on an earlier line already."""
    return Rejection(
        line,
        text(
            f"المعرّف مكرر في الملف (السطر {first})",
            f"The same external_id is on line {first} already",
        ),
        "external_id",
        _shown(key[1]),
    )


def tally(outcome: Outcome, result: Verdict | Rejection) -> None:
    """Counts one row's result in the batch's outcome."""
    if isinstance(result, Rejection):
        outcome.rejections.append(result)
    elif result == "imported":
        outcome.imported += 1
    elif result == "updated":
        outcome.updated += 1
    else:
        outcome.unchanged += 1


def refusal_of(exc: DomainError, line: int, values: dict[str, Any]) -> Rejection:
    """A service's problem as a rejected row: the first field it names (and that field's
    value in the file), or its detail."""
    if exc.errors:
        field = exc.errors[0].field
        reason = exc.errors[0].message
    else:
        field = None
        reason = text(exc.detail_ar or exc.code, exc.detail_en or exc.code)
    column = field.split(".")[0] if field else None
    return Rejection(line, reason, field, _shown(values.get(column)) if column else None)


class RowwiseKind(ImportKind):
    """Subclass per kind: set the class attributes, implement `upsert` with the service's
    use cases (create when the key is new, update otherwise)."""

    def key(self, job: JobRun, row: Row) -> tuple[str, str]:
        data = row.data
        return (data.external_source or job.source, data.external_id)

    async def prepare(self, session: AsyncSession, job: JobRun, rows: list[Row]) -> None:
        """Looks up what a batch's rows need in bulk before any row runs: by default the
        organizations their `organization_code` names (kept for the job's next batches)."""
        known: dict[str, uuid.UUID] = job.memo.setdefault(_ORG_CODES, {})
        codes = {
            code
            for row in rows
            if (code := getattr(row.data, "organization_code", None)) and code not in known
        }
        if codes:
            found = await session.execute(
                select(organization.c.code, organization.c.id).where(
                    organization.c.code.in_(sorted(codes))
                )
            )
            known.update({code: org_id for code, org_id in found.all()})

    def organization_of(self, job: JobRun, code: str) -> uuid.UUID:
        """The id of the organization of that code (`prepare` looked it up), or the row
        is refused naming `organization_code`."""
        found: uuid.UUID | None = job.memo.get(_ORG_CODES, {}).get(code)
        if found is None:
            raise RowRefused(
                "organization_code",
                text("لا توجد جهة بهذا الرمز", "No organization has this code"),
                code,
            )
        return found

    async def stored(
        self, session: AsyncSession, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], Any]:
        """The records the batch's keys name already, locked for the batch (one query)."""
        return {}

    async def upsert(self, session: AsyncSession, job: JobRun, row: Row, stored: Any) -> Verdict:
        """Creates the row's record (`stored` is None) or updates `stored` with it."""
        raise NotImplementedError

    def distinct(
        self, job: JobRun, rows: list[Row], outcome: Outcome
    ) -> Iterator[tuple[Row, tuple[str, str]]]:
        """The batch's rows with their keys, a key repeated within the batch rejected (the
        first row holding it is the one loaded)."""
        seen: dict[tuple[str, str], int] = {}
        for row in rows:
            key = self.key(job, row)
            if key in seen:
                outcome.rejections.append(repeated(row.line, key, seen[key]))
                continue
            seen[key] = row.line
            yield row, key

    def refused_all(self, job: JobRun, rows: list[Row]) -> Outcome | None:
        """Every row refused when the importer lacks the kind's permission, else None."""
        if job.principal.can(self.permission):
            return None
        outcome = Outcome()
        for row in rows:
            outcome.rejections.append(refusal_of(Forbidden(), row.line, dict(row.values)))
        return outcome

    async def load(self, connection: Any, job: JobRun, rows: list[Row]) -> Outcome:
        outcome = Outcome()
        with audit.folded():
            async with session_on(connection, job) as session:
                await self.prepare(session, job, rows)
                found = await self.stored(session, list({self.key(job, row) for row in rows}))
                for row, key in self.distinct(job, rows, outcome):
                    tally(outcome, await self._one(session, job, row, found.get(key)))
        return outcome

    async def _one(
        self, session: AsyncSession, job: JobRun, row: Row, stored: Any
    ) -> Verdict | Rejection:
        values = dict(row.values)
        try:
            async with session.begin_nested():
                return await self.upsert(session, job, row, stored)
        except RowRefused as refused:
            return refused.rejection(row.line)
        except DomainError as exc:
            return refusal_of(exc, row.line, values)
        except DBAPIError as exc:
            cause = exc.orig.__cause__ if exc.orig is not None else None
            if not isinstance(cause, DATA_ERRORS):
                raise  # a lost connection is not the row's fault: the batch is retried
            message = getattr(cause, "message", None) or str(exc.orig or exc)
            column = getattr(cause, "column_name", None)
            return Rejection(row.line, message, column)
