"""Worker side of the campaigns service (imported by the worker).

- `sweep_overdue_milestones(session)` → periodic job: emits `milestone.overdue` once per
  open milestone whose due date has passed (payload: `milestone_id`, `initiative_id`,
  `organization_id`, `title_ar`, `due_date`, `weight`, `days_overdue`). Safe with several
  workers (SKIP LOCKED, and the row is marked in the same transaction).
- The inquiries service's events (`inquiry.created`, `.replied`, `.resolved`,
  `.status_changed`, `.transferred`, `.sla_breached`, `.survey_submitted`) → the facts
  behind the built-in inquiry KPIs (`services.campaigns.service.inquiry_kpis`), one
  idempotent upsert each.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.service import inquiry_kpis
from services.campaigns.service.milestones import sweep_overdue
from services.common.outbox import Event, handles


async def sweep_overdue_milestones(session: AsyncSession) -> int:
    return await sweep_overdue(session)


@handles(
    "inquiry.created",
    "inquiry.replied",
    "inquiry.resolved",
    "inquiry.status_changed",
    "inquiry.transferred",
    "inquiry.sla_breached",
    "inquiry.survey_submitted",
)
async def record_inquiry_facts(event: Event, session: AsyncSession) -> None:
    await inquiry_kpis.record(session, event)
