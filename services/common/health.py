"""What the hub's readiness reports beyond "the database answers": the worker's heartbeat
and the outbox backlog, also exported as Prometheus gauges on every service's /metrics.

The worker touches its `common_worker_heartbeat` row every `HEARTBEAT_SECONDS`; a worker
whose freshest row is older than `STALE_AFTER_SECONDS` (killed, or cut off from the
database) is reported `down`. Pending and dead outbox events are counted on the
`(status, created_at)` index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.models import OutboxEvent, WorkerHeartbeat

HEARTBEAT_SECONDS = 5.0
STALE_AFTER_SECONDS = 30.0

OUTBOX_PENDING = Gauge("govhub_outbox_pending", "Outbox events not delivered yet.")
OUTBOX_OLDEST_PENDING = Gauge(
    "govhub_outbox_oldest_pending_seconds", "Age of the oldest undelivered outbox event."
)
OUTBOX_DEAD = Gauge("govhub_outbox_dead", "Outbox events given up after every attempt.")
WORKER_HEARTBEAT_AGE = Gauge(
    "govhub_worker_heartbeat_age_seconds",
    "Seconds since the freshest worker heartbeat (-1: no worker has ever beaten).",
)


@dataclass(frozen=True)
class HubState:
    outbox_pending: int
    outbox_oldest_pending_seconds: float
    outbox_dead: int
    worker_heartbeat_age_seconds: float | None

    @property
    def worker(self) -> str:
        age = self.worker_heartbeat_age_seconds
        return "up" if age is not None and age <= STALE_AFTER_SECONDS else "down"

    def outbox(self) -> dict[str, Any]:
        return {
            "pending": self.outbox_pending,
            "oldest_pending_seconds": round(self.outbox_oldest_pending_seconds, 1),
            "dead": self.outbox_dead,
        }

    def export(self) -> None:
        OUTBOX_PENDING.set(self.outbox_pending)
        OUTBOX_OLDEST_PENDING.set(self.outbox_oldest_pending_seconds)
        OUTBOX_DEAD.set(self.outbox_dead)
        age = self.worker_heartbeat_age_seconds
        WORKER_HEARTBEAT_AGE.set(-1 if age is None else age)


def _age(column: Any) -> Any:
    return func.extract("epoch", func.now() - column)


async def read_hub_state(connection: AsyncConnection) -> HubState:
    pending = OutboxEvent.status == "pending"
    row = (
        await connection.execute(
            select(
                select(func.count()).where(pending).scalar_subquery(),
                select(_age(func.min(OutboxEvent.created_at))).where(pending).scalar_subquery(),
                select(func.count()).where(OutboxEvent.status == "dead").scalar_subquery(),
                select(_age(func.max(WorkerHeartbeat.beat_at))).scalar_subquery(),
            )
        )
    ).one()
    return HubState(
        outbox_pending=int(row[0]),
        outbox_oldest_pending_seconds=max(0.0, float(row[1] or 0)),
        outbox_dead=int(row[2]),
        worker_heartbeat_age_seconds=None if row[3] is None else max(0.0, float(row[3])),
    )
