"""Webhooks through the real worker: the fan-out and the attempts as queued jobs, and a
worker killed in the middle of a delivery (it is delivered again: at least once)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from govhub.worker import run_worker
from tests.directory.conftest import Tree
from tests.integrations.receiver import Receiver
from tests.integrations.test_webhooks import deliveries_of, emit_event, subscribe

ROOT = Path(__file__).resolve().parents[2]


async def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_worker_delivers_and_retries_as_jobs(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    settings = settings.model_copy(update={"webhook_backoff_seconds": 0.5})
    created = await subscribe(tree, receiver.url, types=["*"])
    receiver.secret, receiver.status = created["secret"], 500
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop=stop, periodic=[]))
    try:
        await emit_event(sessionmaker, "inquiry.created", tree.orgs["C"])

        async def retried_twice() -> bool:
            return len(receiver.received) >= 2

        assert await wait_for(retried_twice, 60), receiver.received
        receiver.status = 200

        async def delivered() -> bool:
            rows = await deliveries_of(sessionmaker, created["id"])
            return bool(rows) and rows[0].status == "delivered"

        assert await wait_for(delivered, 60)
    finally:
        stop.set()
        await worker
    assert all(r.verified for r in receiver.received)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    (row,) = await deliveries_of(sessionmaker, created["id"])
    assert row.attempts == len(receiver.received) >= 3


def start_worker(settings) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "GOVHUB_DATABASE_URL": settings.database_url or "",
        "GOVHUB_DATA_DIR": str(settings.data_dir),
        "GOVHUB_WORKER_HEARTBEAT_SECONDS": "2",
        "GOVHUB_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "GOVHUB_WEBHOOK_TIMEOUT_SECONDS": "300",
        "GOVHUB_LOG_JSON": "false",
        "GOVHUB_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "govhub.worker"], cwd=ROOT, env=env)


async def test_a_worker_killed_mid_delivery_delivers_again(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    created = await subscribe(tree, receiver.url)
    receiver.secret, receiver.hang = created["secret"], 150.0
    event_id = await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
    first = start_worker(settings)
    try:

        async def sent() -> bool:
            return len(receiver.received) == 1

        assert await wait_for(sent, 120), "the worker never sent the delivery"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    (row,) = await deliveries_of(sessionmaker, created["id"])
    assert row.status == "pending" and row.attempts == 0  # the attempt died with the worker
    receiver.hang = 0.0
    second = start_worker(settings)
    try:

        async def delivered() -> bool:
            rows = await deliveries_of(sessionmaker, created["id"])
            return rows[0].status == "delivered"

        assert await wait_for(delivered, 120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    first_id, second_id = (r.headers["webhook-id"] for r in receiver.received[:2])
    assert first_id == second_id == str(row.id)  # the receiver can tell it is the same
    assert all(r.verified for r in receiver.received)
    assert event_id == row.event_id
