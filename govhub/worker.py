"""The worker: delivers the outbox and runs the periodic jobs (`govhub worker`).

Several workers may run at once: pgqueuer hands each job to one of them, a job whose
worker dies is picked up again once its heartbeat is stale, and delivery locks the
event row, so an event's handlers run to completion at least once and are not run by
two workers at the same moment.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.domain.types import Channel
from pgqueuer.models import Job
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import build_engine, build_sessionmaker, resolve_database_url
from services.common.embedded import to_plain_url
from services.common.imports.kinds import load_kinds
from services.common.imports.runner import register_worker as register_imports
from services.common.models import OutboxEvent
from services.common.observability import configure_logging
from services.common.outbox import DELIVER_ENTRYPOINT, HANDLERS, Event, enqueue_delivery
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


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession], event_id: uuid.UUID, settings: GovhubSettings
) -> str:
    """Runs the handlers of one event; returns its status afterwards."""
    async with sessionmaker() as session, session.begin():
        row = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
        )
        if row is None or row.status != "pending":
            return row.status if row else "missing"
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
        try:
            async with session.begin_nested():
                for handler in handlers:
                    await handler(event, session)
        except Exception as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
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
            return row.status
        row.status = "delivered"
        row.delivered_at = datetime.now(UTC)
        row.last_error = None
        return row.status


def _resolve(dotted: str) -> Callable[[AsyncSession], Awaitable[Any]]:
    module, _, attr = dotted.rpartition(".")
    func: Callable[[AsyncSession], Awaitable[Any]] = getattr(importlib.import_module(module), attr)
    return func


async def run_worker(
    settings: GovhubSettings,
    *,
    stop: asyncio.Event | None = None,
    periodic: list[tuple[str, str, str]] | None = None,
) -> None:
    url = resolve_database_url(settings)
    engine = build_engine(url, settings)
    sessionmaker = build_sessionmaker(engine)
    load_handler_modules()
    load_kinds(SERVICE_NAMES)
    for module in settings.worker_handler_modules:
        importlib.import_module(module)
    connection = await asyncpg.connect(to_plain_url(url))
    driver = AsyncpgDriver(connection)
    pgq = PgQueuer(driver, channel=Channel(queue_settings().channel), queries=queries_for(driver))

    @pgq.entrypoint(DELIVER_ENTRYPOINT)
    async def deliver_job(job: Job) -> None:
        assert job.payload is not None
        await deliver(sessionmaker, uuid.UUID(job.payload.decode()), settings)

    register_imports(pgq, to_plain_url(url))

    for name, expression, dotted in PERIODIC if periodic is None else periodic:
        job_func = _resolve(dotted)

        async def run_periodic(_: Any, job_func: Any = job_func, name: str = name) -> None:
            async with sessionmaker() as session, session.begin():
                result = await job_func(session)
            logger.log(logging.INFO if result else logging.DEBUG, "periodic %s: %s", name, result)

        pgq.schedule(name, expression)(run_periodic)

    async def watch_stop() -> None:
        if stop is not None:
            await stop.wait()
            pgq.shutdown.set()

    watcher = asyncio.create_task(watch_stop())
    logger.info("worker started")
    try:
        await pgq.run(
            dequeue_timeout=timedelta(seconds=5),
            heartbeat_timeout=timedelta(seconds=settings.worker_heartbeat_seconds),
            batch_size=DEQUEUE_BATCH,
            # a worker holds at most this many jobs at once: a burst of events (an import
            # queues one per new row) waits in the queue, not on the session pool
            max_concurrent_tasks=max(2 * DEQUEUE_BATCH, 2 * settings.db_pool_size),
        )
    finally:
        watcher.cancel()
        await connection.close()
        await engine.dispose()
        logger.info("worker stopped")


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
