"""The SLA rules' reads and the breach sweep (the rules themselves are in `domain/sla.py`):
an organization's business calendar, the targets of the policy that applies, and the
periodic sweep that emits `inquiry.sla_breached` once per target."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.orgtree import work_calendar
from services.common.outbox import emit
from services.inquiries import clock
from services.inquiries.domain.business_hours import BusinessCalendar
from services.inquiries.domain.sla import (
    Targets,
    breach_payload,
    breached_targets,
    business_calendar,
    targets_of,
)
from services.inquiries.repository import catalog as repository_catalog
from services.inquiries.repository import inquiries as repository


async def calendar_for(session: AsyncSession, org_id: uuid.UUID) -> BusinessCalendar:
    return business_calendar(await work_calendar(session, org_id))


async def targets_for(
    session: AsyncSession,
    org_id: uuid.UUID,
    category_id: uuid.UUID | None,
    kind: str,
    priority: str,
) -> Targets:
    policy = await repository_catalog.find_policy(session, org_id, category_id, kind, priority)
    return targets_of(policy, kind, priority)


SWEEP_BATCH = 500


async def sweep_sla_breaches(session: AsyncSession, *, batch: int = SWEEP_BATCH) -> int:
    """Emits `inquiry.sla_breached` once per newly breached target; returns how many.

    For the worker, every minute, in its own transaction (the caller commits). Safe with
    several workers: rows are locked with SKIP LOCKED.
    """
    now = clock.now()
    emitted = 0
    while True:
        rows = await repository.due_alarms(session, now, batch)
        for inquiry in rows:
            for target in breached_targets(inquiry, now):
                await emit(
                    session,
                    "inquiry.sla_breached",
                    aggregate_type="inquiry",
                    aggregate_id=inquiry.id,
                    payload=breach_payload(inquiry, target),
                    organization_id=inquiry.organization_id,
                )
                await audit.record(
                    session,
                    service="inquiries",
                    principal=None,
                    action="sla_breached",
                    resource_type="inquiry",
                    resource_id=inquiry.id,
                    organization_id=inquiry.organization_id,
                    changes={"target": target},
                )
                emitted += 1
            # an alarm that found nothing (e.g. a due time moved) must not fire again
            if inquiry.sla_alarm_at is not None and inquiry.sla_alarm_at <= now:
                inquiry.sla_alarm_at = None
        await session.flush()
        if len(rows) < batch:
            return emitted
