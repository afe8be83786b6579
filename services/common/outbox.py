"""The transactional outbox: a domain event is written in the caller's transaction.

`emit` adds a `common_outbox` row and enqueues its delivery job on the same connection,
so both commit or neither does. The worker (`govhub.worker`) runs the registered
handlers for the event type: at least once, with backoff, dead-lettered after
`GOVHUB_OUTBOX_MAX_ATTEMPTS`. Handlers must be idempotent (they may see an event twice).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.context import request_id_var
from services.common.db import driver_of
from services.common.models import OutboxEvent
from services.common.queue import queries_on_connection

DELIVER_ENTRYPOINT = "outbox.deliver"


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    event_type: str
    aggregate_type: str
    aggregate_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    payload: dict[str, Any]
    attempt: int


Handler = Callable[[Event, AsyncSession], Awaitable[None]]
# event type → handlers; "*" receives every event (webhook fan-out, for one)
HANDLERS: dict[str, list[Handler]] = {}


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Registers a handler for event types; modules named in the worker import themselves."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS.setdefault(event_type, []).append(handler)
        return handler

    return register


@dataclass(frozen=True)
class JobContext:
    """What a queued job's handler gets besides its payload."""

    sessionmaker: Any  # async_sessionmaker[AsyncSession]
    settings: Any  # GovhubSettings


JobHandler = Callable[[bytes, JobContext], Awaitable[None]]
# queue entrypoint → handler; the worker serves each (webhook attempts, messages to send …)
JOBS: dict[str, JobHandler] = {}


def job(entrypoint: str) -> Callable[[JobHandler], JobHandler]:
    """Registers the handler of a queued job (see `enqueue_job`). The job is at least once:
    a job whose worker died is run again, so handlers must tolerate a second run."""

    def register(handler: JobHandler) -> JobHandler:
        JOBS[entrypoint] = handler
        return handler

    return register


async def enqueue_job(
    session: AsyncSession, entrypoint: str, payload: bytes, delay_seconds: float = 0
) -> None:
    """Queues a job in the session's transaction: it runs only if the transaction commits."""
    await queries_on_connection(await driver_of(session)).enqueue(
        entrypoint,
        payload,
        execute_after=timedelta(seconds=delay_seconds) if delay_seconds > 0 else None,
    )


def delivery_payload(event_id: uuid.UUID) -> bytes:
    """What a delivery job carries: the event's id."""
    return str(event_id).encode()


async def enqueue_delivery(
    session: AsyncSession, event_id: uuid.UUID, delay_seconds: float = 0
) -> None:
    await queries_on_connection(await driver_of(session)).enqueue(
        DELIVER_ENTRYPOINT,
        delivery_payload(event_id),
        execute_after=timedelta(seconds=delay_seconds) if delay_seconds else None,
    )


def event_row(
    event_type: str,
    *,
    aggregate_type: str,
    aggregate_id: uuid.UUID | None,
    payload: dict[str, Any],
    organization_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The values of one outbox row (status, attempts and times are the table's defaults)."""
    return {
        "id": uuid.uuid4(),
        "event_type": event_type,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "organization_id": organization_id,
        "payload": payload,
        "request_id": request_id_var.get(),
    }


async def emit(session: AsyncSession, event_type: str, **what: Any) -> uuid.UUID:
    """Writes the event (see `event_row`) and its delivery job in the session's unit of
    work; returns the event's id."""
    event = OutboxEvent(**event_row(event_type, **what))
    session.add(event)
    await session.flush()
    await enqueue_delivery(session, event.id)
    return event.id
