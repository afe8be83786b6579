"""Group commit for intakes: the writes of concurrent intakes of one process go to
PostgreSQL together, in one round trip and one commit.

An intake whose request holds no transaction of its own reads on the writer's connections
and hands `repository.intake.WRITE`'s arguments to the process's `IntakeWriter`, and
waits. When no batch is being written, the writer sends what is waiting at once (a
batch of one when intakes are few); while one is being written, the next intakes wait and
go in the next batch together. So a quiet hub answers as soon as before, and a busy one
pays PostgreSQL's per-statement round trip, transaction and commit flush once per batch
instead of once per intake.

A batch is asyncpg's pipelined `fetchmany`: the statement once per intake, in one implicit
transaction, committed when the last has run (nothing is committed if one fails). Each
statement is still guarded by the configuration generation its intake read its context
at and sees its own snapshot; the ids returned tell which inquiries were written, so an
intake whose generation had moved learns it, as alone. A batch that fails is written
again one intake at a time, so a failure belongs to the intake that caused it and the
others are written. Each intake is durable before its caller's response is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from prometheus_client import Histogram

from services.common.pool_metrics import acquire
from services.inquiries.repository import intake as sql

# intakes written in one batch at most; more waiting go in the next
BATCH_LIMIT = 64
# the writer's pool: one batch is written at a time (two measured no better: smaller
# batches), while intakes read contexts (the first of each, or all after a configuration
# change) and draw reference blocks
INTAKE_WRITER_CONNECTIONS = 4
_ID = sql.WRITE.names.index("i_id")
BATCH_SIZE = Histogram(
    "govhub_inquiries_intake_batch_size",
    "Intakes written together in one batch (group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)


@dataclass
class _Pending:
    args: Sequence[Any]
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class IntakeWriter:
    def __init__(self, pool: asyncpg.Pool, batch_limit: int = BATCH_LIMIT) -> None:
        self._pool = pool
        self._limit = batch_limit
        self._waiting: list[_Pending] = []
        self._writing: asyncio.Task[None] | None = None
        self.batches = 0  # batches written, for tests and the curious

    async def close(self) -> None:
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)
        await self._pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A connection of the writer's pool, for what an intake reads (its context, a
        block of reference numbers)."""
        async with acquire(self._pool) as connection:
            yield connection

    async def write(self, **params: Any) -> bool:
        """Writes one intake (`WRITE`'s parameters) in the next batch: True when its
        inquiry was written, False when its configuration generation had moved."""
        pending = _Pending(sql.WRITE.arguments(params))
        self._waiting.append(pending)
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_waiting())
        return await pending.done

    async def _write_waiting(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                await self._write(batch)
        except asyncio.CancelledError:  # the process is stopping: nobody waits forever
            for pending in (*batch, *self._waiting):
                pending.done.cancel()
            raise
        finally:
            self._writing = None

    async def _write(self, batch: list[_Pending]) -> None:
        # an intake whose request has gone (a client that hung up) is not written
        batch = [pending for pending in batch if not pending.done.done()]
        if not batch:
            return
        try:
            async with acquire(self._pool) as connection:
                try:
                    rows = await connection.fetchmany(sql.WRITE.sql, [p.args for p in batch])
                except Exception:  # refused by PostgreSQL, or an argument asyncpg cannot encode
                    if len(batch) == 1:
                        raise
                    # nothing of the batch was committed: each alone, so a failure is its own
                    for pending in batch:
                        await self._write_alone(connection, pending)
                    return
        except Exception as exc:  # the database refused the one, or could not be reached
            for pending in batch:
                _fail(pending, exc)
            return
        self.batches += 1
        BATCH_SIZE.observe(len(batch))
        written = {row["id"] for row in rows}
        for pending in batch:
            _settle(pending, pending.args[_ID] in written)

    @staticmethod
    async def _write_alone(connection: Any, pending: _Pending) -> None:
        try:
            row = await connection.fetchrow(sql.WRITE.sql, *pending.args)
        except Exception as exc:
            _fail(pending, exc)
        else:
            _settle(pending, row is not None)


def _settle(pending: _Pending, written: bool) -> None:
    if not pending.done.done():  # its caller may have gone meanwhile
        pending.done.set_result(written)


def _fail(pending: _Pending, exc: Exception) -> None:
    if not pending.done.done():
        pending.done.set_exception(exc)
