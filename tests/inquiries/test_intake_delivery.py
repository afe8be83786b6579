"""The intake writes its outbox event and delivery job in its one statement: the job is
the one pgqueuer's own enqueue would write, and the worker delivers it."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from govhub.worker import run_worker
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.outbox import HANDLERS, Event, emit
from tests.inquiries.conftest import submit

JOB_COLUMNS = "priority, entrypoint, status, dedupe_key, headers, attempts, queue_manager_id"


async def test_the_intake_job_is_pgqueuers_own_and_is_delivered(client, world, settings):
    seen: list[Event] = []

    async def record(event: Event, session) -> None:
        seen.append(event)

    HANDLERS.setdefault("inquiry.created", []).append(record)
    stop = asyncio.Event()
    try:
        created = await submit(client, world, "agent@R", organization_id=str(world.orgs["R"]))
        engine = build_engine(settings.database_url or "", settings)
        try:
            async with session_scope(build_sessionmaker(engine)) as session:
                await emit(
                    session, "test.reference", aggregate_type="test", aggregate_id=None, payload={}
                )
        finally:
            await engine.dispose()
        conn = await asyncpg.connect(settings.database_url)
        try:
            jobs = await conn.fetch(
                f"SELECT {JOB_COLUMNS}, payload, execute_after <= now() AS due "
                "FROM common_pgqueuer ORDER BY id"
            )
            logged = await conn.fetch("SELECT job_id, status::text FROM common_pgqueuer_log")
            event_id = await conn.fetchval(
                "SELECT id FROM common_outbox WHERE event_type = 'inquiry.created'"
            )
        finally:
            await conn.close()
        assert len(jobs) == 2
        intake_job, reference_job = (dict(j) for j in jobs)
        assert intake_job.pop("payload") == str(event_id).encode()
        reference_job.pop("payload")
        assert intake_job == reference_job and intake_job["due"]
        assert sorted(status for _, status in logged) == ["queued", "queued"]

        worker = asyncio.create_task(run_worker(settings, stop=stop, periodic=[]))
        deadline = time.monotonic() + 15
        while not seen and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await worker
    finally:
        HANDLERS["inquiry.created"].remove(record)
    assert [e.id for e in seen] == [event_id]
    assert seen[0].payload["reference"] == created["reference"]
