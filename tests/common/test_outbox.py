"""The outbox and the worker: at least once, backoff, dead letter, several workers, crashes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, text

from govhub.worker import deliver, load_handler_modules, run_worker
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.models import OutboxEvent
from services.common.outbox import HANDLERS, Event, emit
from services.common.settings import GovhubSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sessionmaker(settings: GovhubSettings):
    engine = build_engine(settings.database_url or "", settings)
    yield build_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def handler_registry():
    # every service's handlers registered first: a module imported during the test would
    # otherwise lose its registrations to the restore, for the rest of the process
    load_handler_modules()
    saved = {k: list(v) for k, v in HANDLERS.items()}
    yield HANDLERS
    HANDLERS.clear()
    HANDLERS.update(saved)


async def emit_events(sessionmaker, event_type: str, payloads: list[dict]) -> list[uuid.UUID]:
    async with session_scope(sessionmaker) as session:
        return [
            await emit(session, event_type, aggregate_type="test", aggregate_id=None, payload=p)
            for p in payloads
        ]


async def status_of(sessionmaker, event_id: uuid.UUID) -> OutboxEvent:
    async with sessionmaker() as session:
        return (
            await session.execute(select(OutboxEvent).where(OutboxEvent.id == event_id))
        ).scalar_one()


async def test_emit_rolls_back_with_the_transaction(sessionmaker):
    with pytest.raises(RuntimeError):
        async with session_scope(sessionmaker) as session:
            await emit(session, "test.none", aggregate_type="t", aggregate_id=None, payload={})
            raise RuntimeError("the change failed")
    async with sessionmaker() as session:
        assert (await session.execute(select(OutboxEvent))).first() is None


async def test_failures_retry_with_backoff_then_dead_letter(
    sessionmaker, settings, handler_registry
):
    calls: list[int] = []

    async def failing(event: Event, session) -> None:
        calls.append(event.attempt)
        raise ConnectionError("subscriber down")

    handler_registry.setdefault("test.failing", []).append(failing)
    settings = settings.model_copy(update={"outbox_max_attempts": 3})
    (event_id,) = await emit_events(sessionmaker, "test.failing", [{}])
    assert await deliver(sessionmaker, event_id, settings) == "pending"
    row = await status_of(sessionmaker, event_id)
    assert row.attempts == 1 and "subscriber down" in (row.last_error or "")
    assert await deliver(sessionmaker, event_id, settings) == "pending"
    assert await deliver(sessionmaker, event_id, settings) == "dead"
    assert await deliver(sessionmaker, event_id, settings) == "dead"  # not run again
    assert calls == [1, 2, 3]
    async with sessionmaker() as session:
        # each retry was queued for later, the delay doubling: 2 s, then 4 s
        delays = (
            (
                await session.execute(
                    text(
                        "SELECT extract(epoch FROM execute_after - created) FROM common_pgqueuer "
                        "WHERE entrypoint = 'outbox.deliver' ORDER BY id"
                    )
                )
            )
            .scalars()
            .all()
        )
        assert [round(d) for d in delays[1:]] == [2, 4]


async def test_an_aggregates_events_are_delivered_in_the_order_written(
    sessionmaker, settings, handler_registry
):
    """A later event taken first waits for an earlier, untried one of its aggregate (a
    flight's `cancelled` must not reach the calendar before its `scheduled`)."""
    seen: list[str] = []

    async def record(event: Event, session) -> None:
        seen.append(event.payload["step"])

    handler_registry.setdefault("test.ordered", []).append(record)
    aggregate = uuid.uuid4()
    ids = []
    for step in ("scheduled", "cancelled"):
        async with session_scope(sessionmaker) as session:
            ids.append(
                await emit(
                    session,
                    "test.ordered",
                    aggregate_type="flight",
                    aggregate_id=aggregate,
                    payload={"step": step},
                )
            )
    async with session_scope(sessionmaker) as session:  # another aggregate is not held
        other = await emit(
            session,
            "test.ordered",
            aggregate_type="flight",
            aggregate_id=uuid.uuid4(),
            payload={"step": "other"},
        )
    first, second = ids
    assert await deliver(sessionmaker, second, settings) == "waiting"
    assert (await status_of(sessionmaker, second)).attempts == 0  # waiting is no attempt
    assert await deliver(sessionmaker, other, settings) == "delivered"
    assert await deliver(sessionmaker, first, settings) == "delivered"
    async with sessionmaker() as session:
        # handed on: the first one's delivery queued the second at once (its own look
        # again is ORDER_WAIT_SECONDS away)
        due = (
            await session.execute(
                text(
                    "SELECT count(*) FROM common_pgqueuer WHERE entrypoint = 'outbox.deliver'"
                    " AND payload = :payload AND execute_after <= now() + interval '1 second'"
                ),
                {"payload": str(second).encode()},
            )
        ).scalar_one()
    assert due == 2  # its own first job (never taken here: deliver is called) and the hand-on
    assert await deliver(sessionmaker, second, settings) == "delivered"
    assert seen == ["other", "scheduled", "cancelled"]


async def test_an_earlier_event_that_failed_does_not_hold_back_the_later_ones(
    sessionmaker, settings, handler_registry
):
    async def flaky(event: Event, session) -> None:
        if event.payload["step"] == "first":
            raise ConnectionError("subscriber down")

    handler_registry.setdefault("test.flaky", []).append(flaky)
    aggregate = uuid.uuid4()
    ids = []
    for step in ("first", "second"):
        async with session_scope(sessionmaker) as session:
            ids.append(
                await emit(
                    session,
                    "test.flaky",
                    aggregate_type="x",
                    aggregate_id=aggregate,
                    payload={"step": step},
                )
            )
    assert await deliver(sessionmaker, ids[0], settings) == "pending"  # failed, retry later
    assert await deliver(sessionmaker, ids[1], settings) == "delivered"


async def test_a_failing_handler_neither_holds_back_nor_repeats_the_others(
    sessionmaker, settings, handler_registry
):
    calls: Counter[str] = Counter()
    broken = {"yes": True}

    async def steady(event: Event, session) -> None:
        calls["steady"] += 1
        await session.execute(text("CREATE TEMP TABLE IF NOT EXISTS t_steady (n int)"))

    async def failing(event: Event, session) -> None:
        calls["failing"] += 1
        if broken["yes"]:
            raise ConnectionError("subscriber down")

    handler_registry.setdefault("test.two", []).extend([steady, failing])
    (event_id,) = await emit_events(sessionmaker, "test.two", [{}])
    assert await deliver(sessionmaker, event_id, settings) == "pending"
    row = await status_of(sessionmaker, event_id)
    done = [name.rsplit(".", 1)[-1] for name in row.handled]
    assert "steady" in done and "failing" not in done  # the webhooks' fan-out ran too
    assert "failing: ConnectionError: subscriber down" in (row.last_error or "")
    broken["yes"] = False
    assert await deliver(sessionmaker, event_id, settings) == "delivered"
    assert calls == Counter({"steady": 1, "failing": 2})  # the one that succeeded ran once
    row = await status_of(sessionmaker, event_id)
    assert "failing" in {n.rsplit(".", 1)[-1] for n in row.handled} and row.last_error is None


async def test_two_workers_deliver_each_event_once_and_fast(
    sessionmaker, settings, handler_registry
):
    seen: Counter[str] = Counter()
    latencies: list[float] = []

    async def record(event: Event, session) -> None:
        seen[event.payload["n"]] += 1
        latencies.append(time.time() - event.payload["at"])

    handler_registry.setdefault("test.count", []).append(record)
    stop = asyncio.Event()
    workers = [asyncio.create_task(run_worker(settings, stop=stop, periodic=[])) for _ in range(2)]
    await asyncio.sleep(1.0)  # both listening
    for n in range(40):
        await emit_events(sessionmaker, "test.count", [{"n": str(n), "at": time.time()}])
    deadline = time.monotonic() + 15
    while len(seen) < 40 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*workers)
    assert len(seen) == 40 and set(seen.values()) == {1}
    latencies.sort()
    assert latencies[len(latencies) // 2] < 1.0, latencies  # LISTEN/NOTIFY, not slow polling


def start_worker(database_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "GOVHUB_DATABASE_URL": database_url,
        "GOVHUB_DATA_DIR": str(data_dir),
        "GOVHUB_WORKER_HEARTBEAT_SECONDS": "2",
        "GOVHUB_WORKER_HANDLER_MODULES": '["tests.common.outbox_handlers"]',
        "GOVHUB_LOG_JSON": "false",
    }
    return subprocess.Popen([sys.executable, "-m", "govhub.worker"], cwd=ROOT, env=env)


async def test_killed_worker_the_event_is_delivered_after_restart(sessionmaker, settings, tmp_path):
    (event_id,) = await emit_events(sessionmaker, "test.slow", [{"folder": str(tmp_path)}])
    first = start_worker(settings.database_url or "", settings.data_dir)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert (tmp_path / "started").exists(), "the worker never picked the event"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert (await status_of(sessionmaker, event_id)).status == "pending"

    second = start_worker(settings.database_url or "", settings.data_dir)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if (await status_of(sessionmaker, event_id)).status == "delivered":
                break
            await asyncio.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert (await status_of(sessionmaker, event_id)).status == "delivered"
    assert (tmp_path / "delivered").read_text() == str(event_id)
