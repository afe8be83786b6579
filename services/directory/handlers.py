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
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.orgtree import DEFAULT_TIMEZONE
from services.common.outbox import Event, JobContext, handles, job
from services.common.regions import region_of
from services.directory.models import Holiday, Organization
from services.directory.service import webhook_delivery
from services.directory.service.webhooks import ATTEMPT_ENTRYPOINT


@handles("calendar.occasion.days_changed")
async def occasion_holidays(event: Event, session: AsyncSession) -> None:
    payload = event.payload
    region = payload.get("region")
    roots = (
        await session.execute(
            select(Organization.id, Organization.timezone).where(Organization.parent_id.is_(None))
        )
    ).all()
    targets = [
        org_id
        for org_id, tz in roots
        if region is None or region_of(tz or DEFAULT_TIMEZONE) == region
    ]
    added = [date.fromisoformat(d) for d in payload.get("added", [])]
    removed = [date.fromisoformat(d) for d in payload.get("removed", [])]
    for org_id in targets:
        if removed:
            await session.execute(
                delete(Holiday).where(
                    Holiday.organization_id == org_id,
                    Holiday.date.in_(removed),
                    Holiday.name_ar == payload["name_ar"],
                )
            )
        if added:
            await session.execute(
                insert(Holiday)
                .values(
                    [
                        {
                            "id": uuid.uuid4(),
                            "organization_id": org_id,
                            "date": day,
                            "name_ar": payload["name_ar"],
                            "name_en": payload.get("name_en"),
                        }
                        for day in added
                    ]
                )
                .on_conflict_do_nothing(constraint="uq_directory_holiday_organization_id")
            )


@handles("*")
async def fan_out_to_webhooks(event: Event, session: AsyncSession) -> None:
    await webhook_delivery.fan_out(event, session)


@job(ATTEMPT_ENTRYPOINT)
async def attempt_webhook_delivery(payload: bytes, context: JobContext) -> None:
    await webhook_delivery.attempt(
        context.sessionmaker, context.settings, uuid.UUID(payload.decode())
    )
