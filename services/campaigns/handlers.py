"""Worker side of the campaigns service (imported by the worker).

- `sweep_overdue_milestones(session)` → periodic job: emits `milestone.overdue` once per
  open milestone whose due date has passed (payload: `milestone_id`, `initiative_id`,
  `organization_id`, `title_ar`, `due_date`, `weight`, `days_overdue`). Safe with several
  workers (SKIP LOCKED, and the row is marked in the same transaction).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.service.milestones import sweep_overdue


async def sweep_overdue_milestones(session: AsyncSession) -> int:
    return await sweep_overdue(session)
