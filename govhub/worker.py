"""The worker: delivers the outbox and runs the periodic jobs (`govhub worker`).

Several workers may run at once: pgqueuer hands each job to one of them, a job whose
worker dies is picked up again once its heartbeat is stale, and delivery locks the
event row, so an event's handlers run to completion at least once and are not run by
two workers at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import signal
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.domain.types import Channel
from pgqueuer.models import Job
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import (
    CONNECT_TIMEOUT_SECONDS,
    build_engine,
    build_sessionmaker,
    resolve_database_url,
)
from services.common.embedded import to_plain_url
from services.common.health import HEARTBEAT_SECONDS
from services.common.imports.kinds import load_kinds
from services.common.imports.runner import register_worker as register_imports
from services.common.models import OutboxEvent, WorkerHeartbeat
from services.common.observability import configure_logging
from services.common.outage import OutageLog, is_database_unavailable
from services.common.outbox import (
    DELIVER_ENTRYPOINT,
    HANDLERS,
    JOBS,
    Event,
    JobContext,
    enqueue_delivery,
)
from services.common.queue import queries_for, queue_settings
from services.common.settings import SERVICE_NAMES, GovhubSettings, get_settings

logger = logging.getLogger("govhub.worker")

# Periodic jobs: (name, cron expression, dotted path of `async def job(session) -> Any`).
PERIODIC: list[tuple[str, str, str]] = [
    ("inquiries-sla-sweep", "* * * * *", "services.inquiries.handlers.sweep_sla_breaches"),
    ("inquiries-search-words", "* * * * *", "services.inquiries.handlers.collect_search_words"),
    (
        "campaigns-overdue-milestones",
        "*/5 * * * *",
        "services.campaigns.handlers.sweep_overdue_milestones",
    ),
    (
        "campaigns-search-words",
        "* * * * *",
        "services.campaigns.handlers.collect_search_words",
    ),
    ("calendar-finish", "*/10 * * * *", "services.calendar.handlers.finish_ended_entries"),
    ("calendar-search-words", "* * * * *", "services.calendar.handlers.collect_search_words"),
    (
        "attachments-sweep",
        "*/10 * * * *",
        "services.common.attachments.sweep.sweep_unreferenced",
    ),
]


DEQUEUE_BATCH = 10


def load_handler_modules(names: Iterable[str] = SERVICE_NAMES) -> None:
    """Imports `services.<name>.handlers` so their `@handles` registrations take effect."""
    for name in names:
        module = f"services.{name}.handlers"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def backoff_seconds(attempt: int, settings: GovhubSettings) -> float:
    return float(min(settings.outbox_backoff_seconds * 2 ** (attempt - 1), 3600.0))


# A waiting event is handed on by its predecessor as soon as that one is done; this is
# only the fallback look (a predecessor that was committing while the event was written)
ORDER_WAIT_SECONDS = 15.0


def handler_name(handler: Callable[..., Any]) -> str:
    """The name `common_outbox.handled` keeps for a handler."""
    return f"{handler.__module__}.{handler.__qualname__}"[:200]


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession], event_id: uuid.UUID, settings: GovhubSettings
) -> str:
    """Runs the handlers of one event that have not had it yet; returns its status afterwards.

    - Order: an event waits (no attempt counted) while an earlier event of the same
      aggregate is pending and untried, so a flight's `scheduled` reaches the calendar
      before its `cancelled` even when both are taken at once. When an event has been
      tried, its aggregate's next pending event is queued at once (the hand-on), so a
      chain of events goes as fast as its handlers; a waiting event also looks again
      after `ORDER_WAIT_SECONDS` in case its predecessor was done before it was written.
      An earlier event that has failed does not hold the later ones back (its consumers
      see it late; they keep revisions for that).
    - Isolation: each handler runs in a savepoint of its own. One that succeeds is recorded
      in `handled` and not run again; one that fails leaves the event pending for a retry
      (with backoff) of the failed ones only, or `dead` after the last attempt.
    """
    async with sessionmaker() as session, session.begin():
        row = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
        )
        if row is None or row.status != "pending":
            return row.status if row else "missing"
        if await _earlier_untried(session, row):
            await enqueue_delivery(session, row.id, ORDER_WAIT_SECONDS)
            return "waiting"
        row.attempts += 1
        event = Event(
            id=row.id,
            event_type=row.event_type,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            organization_id=row.organization_id,
            payload=row.payload,
            attempt=row.attempts,
        )
        handlers = [*HANDLERS.get(row.event_type, []), *HANDLERS.get("*", [])]
        handled = list(row.handled)
        errors: list[str] = []
        for handler in handlers:
            name = handler_name(handler)
            if name in handled:
                continue
            try:
                async with session.begin_nested():
                    await handler(event, session)
            except Exception as exc:
                # a lost database fails the savepoint's rollback or the commit below, so
                # nothing of this attempt is kept and the job is retried whole
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            handled.append(name)
        row.handled = handled
        if errors:
            row.last_error = "; ".join(errors)[:2000]
            if row.attempts >= settings.outbox_max_attempts:
                row.status = "dead"
                logger.error("event %s dead after %d attempts", row.id, row.attempts)
            else:
                delay = backoff_seconds(row.attempts, settings)
                await enqueue_delivery(session, row.id, delay)
                logger.warning(
                    "event %s failed (attempt %d), retry in %.0fs: %s",
                    row.id,
                    row.attempts,
                    delay,
                    row.last_error,
                )
            await _hand_on(session, row)
            return row.status
        row.status = "delivered"
        row.delivered_at = datetime.now(UTC)
        row.last_error = None
        await _hand_on(session, row)  # last, so it sees an event written meanwhile
        return row.status


def _pending_of_aggregate(row: OutboxEvent) -> tuple[Any, ...]:
    """The pending events of `row`'s aggregate (the partial index on pending events by
    aggregate answers them: `aggregate_id IS NOT NULL` is its predicate)."""
    return (
        OutboxEvent.aggregate_type == row.aggregate_type,
        OutboxEvent.aggregate_id == row.aggregate_id,
        OutboxEvent.status == "pending",
        OutboxEvent.aggregate_id.is_not(None),
    )


async def _hand_on(session: AsyncSession, row: OutboxEvent) -> None:
    """Queues the aggregate's next pending event, which waits for this one: it is
    delivered as soon as this attempt commits (whatever its outcome: a tried event no
    longer holds the next one back)."""
    if row.aggregate_id is None:
        return
    following = await session.scalar(
        select(OutboxEvent.id)
        .where(*_pending_of_aggregate(row), OutboxEvent.created_at > row.created_at)
        .order_by(OutboxEvent.created_at)
        .limit(1)
    )
    if following is not None:
        await enqueue_delivery(session, following)


async def _earlier_untried(session: AsyncSession, row: OutboxEvent) -> bool:
    if row.aggregate_id is None:
        return False
    earlier = await session.scalar(
        select(OutboxEvent.id)
        .where(
            *_pending_of_aggregate(row),
            OutboxEvent.created_at < row.created_at,
            OutboxEvent.attempts == 0,
        )
        .limit(1)
    )
    return earlier is not None


async def deliver_through_outage(
    sessionmaker: async_sessionmaker[AsyncSession],
    event_id: uuid.UUID,
    settings: GovhubSettings,
    attempts: int = 10,  # about 15 s of outage
) -> str:
    """`deliver`, tried again (with backoff) while the database is unreachable: a job
    taken just before a connection dropped would otherwise fail before the event's own
    attempt is counted, and leave it pending with no job to deliver it."""
    for attempt in range(1, attempts + 1):
        try:
            return await deliver(sessionmaker, event_id, settings)
        except Exception as exc:
            if attempt == attempts or not is_database_unavailable(exc):
                raise
            await asyncio.sleep(reconnect_delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


ORPHAN_AFTER_SECONDS = 30


async def resweep_orphans(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """After a lost connection: a delivery job for every event still pending without any
    attempt after `ORPHAN_AFTER_SECONDS` (its job may have failed with the connection).
    A second job for an event is harmless: delivery locks the row and checks its status."""
    async with sessionmaker() as session, session.begin():
        orphans = list(
            await session.scalars(
                select(OutboxEvent.id)
                .where(
                    OutboxEvent.status == "pending",
                    OutboxEvent.attempts == 0,
                    OutboxEvent.created_at < func.now() - timedelta(seconds=ORPHAN_AFTER_SECONDS),
                )
                .limit(10_000)
            )
        )
        for event_id in orphans:
            await enqueue_delivery(session, event_id)
    return len(orphans)


def _resolve(dotted: str) -> Callable[[AsyncSession], Awaitable[Any]]:
    module, _, attr = dotted.rpartition(".")
    func: Callable[[AsyncSession], Awaitable[Any]] = getattr(importlib.import_module(module), attr)
    return func


RECONNECT_FIRST_SECONDS = 0.5
# a connection attempt to a database that is down costs nothing: try every 2 s at most, so
# the worker is delivering again within 2 s of PostgreSQL's return, however long it was away
RECONNECT_MAX_SECONDS = 2.0


def reconnect_delay(attempt: int) -> float:
    """Seconds before the `attempt`-th reconnection (1, 2, …): doubling, capped."""
    return float(min(RECONNECT_FIRST_SECONDS * 2 ** (attempt - 1), RECONNECT_MAX_SECONDS))


class QuietOutage(logging.Filter):
    """pgqueuer logs each job and each flush of its status buffer that failed, with its
    traceback: through a database outage that was about ten tracebacks a second. Those
    whose cause is the lost database go to the worker's outage log instead (one line when
    it starts, one summary per interval); every other failure is logged as before."""

    def __init__(self, outage: OutageLog) -> None:
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and is_database_unavailable(exc):
            self.outage.failed(exc, "worker")
            return False
        return True


async def run_worker(
    settings: GovhubSettings,
    *,
    stop: asyncio.Event | None = None,
    periodic: list[tuple[str, str, str]] | None = None,
) -> None:
    """Delivers and schedules until `stop` is set. A lost database connection (PostgreSQL
    killed or restarted) is not the end: the worker drops its queue connection, waits with
    backoff and connects again, for as long as it takes; the outbox keeps what is pending."""
    stop = stop or asyncio.Event()
    url = resolve_database_url(settings)
    engine = build_engine(url, settings)
    sessionmaker = build_sessionmaker(engine)
    load_handler_modules()
    load_kinds(SERVICE_NAMES)
    for module in settings.worker_handler_modules:
        importlib.import_module(module)
    heartbeat = Heartbeat(sessionmaker)
    beating = asyncio.create_task(heartbeat.run(stop))
    outage = OutageLog(interval=30.0)
    quiet = QuietOutage(outage)
    logging.getLogger("pgqueuer").addFilter(quiet)
    failures = 0
    logger.info("worker started")
    try:
        while not stop.is_set():
            started = asyncio.get_running_loop().time()
            try:
                await _serve(
                    url,
                    sessionmaker,
                    settings,
                    stop,
                    periodic,
                    resweep=failures > 0,
                    connected=outage.recovered,  # "available again after …", when it is
                )
            except Exception as exc:
                if not is_database_unavailable(exc):
                    logger.exception("the worker's queue loop failed; starting it again")
                else:
                    outage.failed(exc, "worker")
            else:
                if stop.is_set():
                    break
                outage.failed(ConnectionError("the queue connection was lost"), "worker")
            if asyncio.get_running_loop().time() - started > 30:
                failures = 0  # it ran a while: a new outage starts its backoff afresh
            failures += 1
            delay = reconnect_delay(failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        outage.recovered()
    finally:
        logging.getLogger("pgqueuer").removeFilter(quiet)
        stop.set()
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        await heartbeat.forget()
        await engine.dispose()
        logger.info("worker stopped")


async def _serve(
    url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: GovhubSettings,
    stop: asyncio.Event,
    periodic: list[tuple[str, str, str]] | None,
    *,
    resweep: bool = False,
    connected: Callable[[], None] = lambda: None,
) -> None:
    """One life of the queue: connect, deliver and schedule until `stop` or the connection
    is lost (then return or raise; `run_worker` connects again). `connected` is called once
    the connection is made."""
    connection = await asyncpg.connect(to_plain_url(url), timeout=CONNECT_TIMEOUT_SECONDS)
    connected()
    try:
        if resweep:
            swept = await resweep_orphans(sessionmaker)
            if swept:
                logger.warning("re-enqueued %d outbox events whose delivery job was lost", swept)
        driver = AsyncpgDriver(connection)
        pgq = PgQueuer(
            driver, channel=Channel(queue_settings().channel), queries=queries_for(driver)
        )

        @pgq.entrypoint(DELIVER_ENTRYPOINT)
        async def deliver_job(job: Job) -> None:
            assert job.payload is not None
            await deliver_through_outage(sessionmaker, uuid.UUID(job.payload.decode()), settings)

        register_imports(pgq, to_plain_url(url), settings.worker_heartbeat_seconds)

        context = JobContext(sessionmaker=sessionmaker, settings=settings)
        for entrypoint, handler in JOBS.items():

            async def run_job(job: Job, handler: Any = handler) -> None:
                await handler(job.payload or b"", context)

            # sends wait on other systems: never let them hold every connection of the pool
            limit = max(1, settings.db_pool_size // 2)
            pgq.entrypoint(entrypoint, concurrency_limit=limit)(run_job)

        for name, expression, dotted in PERIODIC if periodic is None else periodic:
            job_func = _resolve(dotted)

            async def run_periodic(_: Any, job_func: Any = job_func, name: str = name) -> None:
                async with sessionmaker() as session, session.begin():
                    result = await job_func(session)
                level = logging.INFO if result else logging.DEBUG
                logger.log(level, "periodic %s: %s", name, result)

            pgq.schedule(name, expression)(run_periodic)

        async def watch() -> None:
            # pgqueuer waits on LISTEN: a connection that died under it is noticed here
            while not stop.is_set() and not connection.is_closed():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            pgq.shutdown.set()

        watcher = asyncio.create_task(watch())
        try:
            await pgq.run(
                dequeue_timeout=timedelta(seconds=5),
                heartbeat_timeout=timedelta(seconds=settings.worker_heartbeat_seconds),
                shutdown_on_listener_failure=True,
                batch_size=DEQUEUE_BATCH,
                # a worker holds at most this many jobs at once: a burst of events (an
                # import queues one per new row) waits in the queue, not on the session pool
                max_concurrent_tasks=max(2 * DEQUEUE_BATCH, 2 * settings.db_pool_size),
            )
        finally:
            watcher.cancel()
    finally:
        if not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)
        else:
            connection.terminate()


class Heartbeat:
    """Touches this worker's `common_worker_heartbeat` row every `HEARTBEAT_SECONDS`, so
    /readyz can tell a worker that is alive and connected from one that is not."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started_at = datetime.now(UTC)

    async def beat(self) -> None:
        now = datetime.now(UTC)
        statement = insert(WorkerHeartbeat).values(
            worker_id=self.worker_id,
            hostname=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=self.started_at,
            beat_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[WorkerHeartbeat.worker_id], set_={"beat_at": now}
        )
        async with self.sessionmaker() as session, session.begin():
            await session.execute(statement)
            # rows of workers gone for a day: nobody will read them again
            await session.execute(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - timedelta(days=1))
            )

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.beat()
            except Exception as exc:
                if not is_database_unavailable(exc):
                    logger.exception("worker heartbeat failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)

    async def forget(self) -> None:
        """A worker that stops cleanly removes its row (one that is killed goes stale)."""
        with contextlib.suppress(Exception):
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == self.worker_id)
                )


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    stop = asyncio.Event()

    async def runner() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop=stop)

    asyncio.run(runner())


if __name__ == "__main__":
    main()
