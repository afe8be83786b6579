"""Worker side of the directory (imported by the worker).

- `calendar.occasion.days_changed` (the calendar's day-off occasions and their
  moon-sighting moves) → holidays of the root organizations of the occasion's region (all
  roots when it has none; a tree's region comes from its time zone,
  `services/common/regions.py`), so SLA clocks stop on them. Added dates are inserted
  unless the organization already has a holiday that day; removed dates are deleted only
  when the holiday carries the occasion's Arabic name (a holiday entered by hand stays).
  Idempotent: a redelivered event changes nothing.
- every outbox event (`*`) → a webhook delivery per subscription that selects it, each
  queued; `webhooks.attempt` jobs → one signed POST of one delivery, retried with backoff.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.outbox import Event, JobContext, handles, job
from services.directory.service import organizations as org_service
from services.directory.service import webhook_delivery
from services.directory.service.webhooks import ATTEMPT_ENTRYPOINT


@handles("calendar.occasion.days_changed")
async def occasion_holidays(event: Event, session: AsyncSession) -> None:
    await org_service.apply_occasion_days(session, event.payload)


@handles("*")
async def fan_out_to_webhooks(event: Event, session: AsyncSession) -> None:
    await webhook_delivery.fan_out(event, session)


@job(ATTEMPT_ENTRYPOINT)
async def attempt_webhook_delivery(payload: bytes, context: JobContext) -> None:
    await webhook_delivery.attempt(
        context.sessionmaker, context.settings, uuid.UUID(payload.decode())
    )
