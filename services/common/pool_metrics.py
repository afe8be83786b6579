"""The connection pools on `/metrics`: their sizes, the connections in use, and how long a
checkout waited — what the connection budget (README, "The connection budget") is checked
against in production.

- `govhub_db_pool_connections{pool}` — connections open now;
- `govhub_db_pool_max_connections{pool}` — the most it may open (pool + overflow);
- `govhub_db_pool_in_use{pool}` — checked out now;
- `govhub_db_pool_wait_seconds{pool}` — a histogram of checkout waits: a pool that is too
  small shows here first (requests queue for a connection before PostgreSQL is busy).

Pools: `engine` (SQLAlchemy's, every request's session), `read` (the asyncpg pool of the
hottest reads), `intake_writer` (the inquiries service's group commit). The gauges are read
when `/metrics` is scraped (a collector), so nothing is counted on the request path but the
wait, one clock reading around the checkout.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from prometheus_client import REGISTRY, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool

POOL_WAIT = Histogram(
    "govhub_db_pool_wait_seconds",
    "Time a checkout waited for a connection of the pool.",
    ["pool"],
    buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0),
)
ENGINE_WAIT = POOL_WAIT.labels("engine")

# pool name → a reader of (open, max, in use); the last pool watched under a name is the
# one shown (a closed one shows nothing)
_READERS: dict[str, Callable[[], tuple[int, int, int] | None]] = {}
# asyncpg pools take no weak references: named by id, the name dropped when the pool closes
_DRIVER_NAMES: dict[int, str] = {}


class TimedQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's async queue pool, timing each checkout's wait."""

    def _do_get(self) -> Any:
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            ENGINE_WAIT.observe(time.perf_counter() - started)


def watch_engine(engine: AsyncEngine, name: str = "engine") -> None:
    pool_ref = weakref.ref(engine.sync_engine.pool)

    def read() -> tuple[int, int, int] | None:
        pool = pool_ref()
        if pool is None or not isinstance(pool, AsyncAdaptedQueuePool):
            return None
        overflow = max(pool._max_overflow, 0)
        in_use = pool.checkedout()
        return pool.checkedin() + in_use, pool.size() + overflow, in_use

    _READERS[name] = read


def watch_driver_pool(pool: asyncpg.Pool, name: str) -> None:
    _DRIVER_NAMES[id(pool)] = name

    def read() -> tuple[int, int, int] | None:
        if pool.is_closing():
            _DRIVER_NAMES.pop(id(pool), None)
            return None
        size = pool.get_size()
        return size, pool.get_max_size(), size - pool.get_idle_size()

    _READERS[name] = read


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[Any]:
    """`pool.acquire()`, its wait observed under the pool's name."""
    started = time.perf_counter()
    async with pool.acquire() as connection:
        POOL_WAIT.labels(_DRIVER_NAMES.get(id(pool), "driver")).observe(
            time.perf_counter() - started
        )
        yield connection


class PoolCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        open_ = GaugeMetricFamily(
            "govhub_db_pool_connections", "Connections the pool holds open now.", labels=["pool"]
        )
        most = GaugeMetricFamily(
            "govhub_db_pool_max_connections",
            "The most connections the pool may open (its size and overflow).",
            labels=["pool"],
        )
        used = GaugeMetricFamily(
            "govhub_db_pool_in_use", "Connections checked out of the pool now.", labels=["pool"]
        )
        for name, read in sorted(_READERS.items()):
            figures = read()
            if figures is None:
                continue
            open_.add_metric([name], figures[0])
            most.add_metric([name], figures[1])
            used.add_metric([name], figures[2])
        yield open_
        yield most
        yield used


REGISTRY.register(PoolCollector())
