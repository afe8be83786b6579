"""The worker outlives its database connection: it beats a heartbeat that /readyz reads,
and after every connection is dropped (a restarted postmaster) it reconnects by itself and
delivers what was emitted meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from govhub.worker import load_handler_modules, reconnect_delay, run_worker
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.embedded import to_plain_url
from services.common.models import WorkerHeartbeat
from services.common.outbox import HANDLERS, Event, emit
from tests.common.kernel_app import create_app


async def drop_connections(database_url: str) -> int:
    url = make_url(to_plain_url(database_url))
    admin = await asyncpg.connect(
        to_plain_url(url.set(database="postgres").render_as_string(hide_password=False))
    )
    try:
        killed: int = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()
    return killed


async def wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


def test_reconnection_backs_off_and_is_capped():
    delays = [reconnect_delay(n) for n in range(1, 10)]
    # capped at 2 s: delivering again within 2 s of the database's return, however long
    # it was away
    assert delays == sorted(delays) and delays[0] < 1 and delays[-1] == 2


async def test_the_worker_reconnects_and_delivers_after_its_connections_drop(settings, make_client):
    seen: Counter[str] = Counter()

    async def record(event: Event, session) -> None:
        seen[event.payload["n"]] += 1

    load_handler_modules()  # registered before the snapshot, so the restore keeps them
    saved = {k: list(v) for k, v in HANDLERS.items()}
    HANDLERS.setdefault("test.resilience", []).append(record)
    engine = build_engine(settings.database_url or "", settings)
    sessionmaker = build_sessionmaker(engine)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop=stop, periodic=[]))
    try:

        async def beating() -> bool:
            async with sessionmaker() as session:
                return (await session.scalar(select(WorkerHeartbeat.worker_id))) is not None

        assert await wait_for(beating, 10)
        client = await make_client(create_app)
        ready = (await client.get("/readyz")).json()
        assert ready["checks"]["worker"] == "up"
        assert ready["outbox"]["pending"] >= 0

        async def emit_one(n: str) -> None:
            async with session_scope(sessionmaker) as session:
                await emit(
                    session,
                    "test.resilience",
                    aggregate_type="test",
                    aggregate_id=None,
                    payload={"n": n},
                )

        await emit_one("before")
        assert await wait_for(lambda: _true(seen["before"] == 1), 10)

        await engine.dispose()  # ours too, then every connection of the database
        assert await drop_connections(settings.database_url or "") >= 1
        await asyncio.sleep(0.5)
        await emit_one("after")
        assert await wait_for(lambda: _true(seen["after"] == 1), 20), seen
        assert not worker.done()
        metrics = (await client.get("/metrics")).text
        assert (
            "govhub_outbox_pending" in metrics and "govhub_worker_heartbeat_age_seconds" in metrics
        )
    finally:
        stop.set()
        await asyncio.wait_for(worker, 20)
        await engine.dispose()
        HANDLERS.clear()
        HANDLERS.update(saved)
    async with sessionmaker() as session:  # a clean stop removes its heartbeat
        assert (await session.scalar(select(WorkerHeartbeat.worker_id))) is None
    await engine.dispose()


async def _true(value: bool) -> bool:
    return value
