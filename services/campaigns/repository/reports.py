"""SQL for reports and their roll-up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Report
from services.campaigns.repository.base import visible, within
from services.common.auth import Principal
from services.common.orgtree import in_subtree, organization
from services.common.pagination import PageParams, paginate

FILED = ("submitted", "accepted")


async def get_visible(
    session: AsyncSession, principal: Principal, report_id: uuid.UUID, *, lock: bool = False
) -> Report | None:
    stmt = select(Report).where(Report.id == report_id, visible(principal, Report.organization_id))
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


@dataclass(frozen=True)
class ReportFilters:
    organization_id: uuid.UUID | None = None
    kind: str | None = None
    status: str | None = None
    campaign_id: uuid.UUID | None = None
    initiative_id: uuid.UUID | None = None


async def list_visible(
    session: AsyncSession, principal: Principal, filters: ReportFilters, page: PageParams
) -> tuple[list[Report], str | None]:
    stmt: Select[Any] = select(Report).where(
        visible(principal, Report.organization_id),
        within(Report.organization_id, filters.organization_id),
    )
    for column, value in (
        (Report.kind, filters.kind),
        (Report.status, filters.status),
        (Report.campaign_id, filters.campaign_id),
        (Report.initiative_id, filters.initiative_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return await paginate(session, stmt, [Report.created_at, Report.id], page)


async def filed_in(
    session: AsyncSession, root_id: uuid.UUID, start: date, end: date
) -> list[Report]:
    """Submitted and accepted reports of the subtree whose period meets [start, end]."""
    rows = await session.scalars(
        select(Report).where(
            in_subtree(Report.organization_id, root_id),
            Report.status.in_(FILED),
            Report.period_start <= end,
            Report.period_end >= start,
        )
    )
    return list(rows)


async def organization_names(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(organization.c.id, organization.c.code, organization.c.name_ar).where(
            organization.c.id.in_(ids)
        )
    )
    return {r[0]: (r[1], r[2]) for r in rows}
