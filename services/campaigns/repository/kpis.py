"""SQL for KPIs, targets and values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.campaigns.models import Kpi, KpiTarget, KpiValue
from services.campaigns.repository.base import text_match, visible, within
from services.common.auth import Principal
from services.common.orgtree import in_subtree
from services.common.orgtree import within as org_within
from services.common.pagination import PageParams, paginate


def kpi_visible(principal: Principal) -> ColumnElement[bool]:
    """A KPI applies to its owner's subtree: its definition is read by the owner's subtree
    and by everything above the owner (whose scorecards roll it up)."""
    if principal.is_sector_admin:
        return true()
    if principal.organization_id is None:
        return false()
    return or_(
        org_within(Kpi.organization_id, principal.organization_id),
        org_within(principal.organization_id, Kpi.organization_id),
    )


async def get_visible(session: AsyncSession, principal: Principal, kpi_id: uuid.UUID) -> Kpi | None:
    return await session.scalar(select(Kpi).where(Kpi.id == kpi_id, kpi_visible(principal)))


@dataclass(frozen=True)
class KpiFilters:
    organization_id: uuid.UUID | None = None
    initiative_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    axis_id: uuid.UUID | None = None
    q: str | None = None


async def list_visible(
    session: AsyncSession, principal: Principal, filters: KpiFilters, page: PageParams
) -> tuple[list[Kpi], str | None]:
    stmt: Select[Any] = select(Kpi).where(kpi_visible(principal))
    if filters.organization_id is not None:
        stmt = stmt.where(within(Kpi.organization_id, filters.organization_id))
    for column, value in (
        (Kpi.initiative_id, filters.initiative_id),
        (Kpi.campaign_id, filters.campaign_id),
        (Kpi.axis_id, filters.axis_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.q:
        stmt = stmt.where(text_match(filters.q, Kpi.name_ar, Kpi.name_en, Kpi.code))
    return await paginate(session, stmt, [Kpi.created_at, Kpi.id], page)


# --- targets -------------------------------------------------------------------------


async def targets_of(
    session: AsyncSession, principal: Principal, kpi_id: uuid.UUID
) -> list[KpiTarget]:
    rows = await session.scalars(
        select(KpiTarget)
        .where(KpiTarget.kpi_id == kpi_id, visible(principal, KpiTarget.organization_id))
        .order_by(KpiTarget.period, KpiTarget.organization_id)
    )
    return list(rows)


async def replace_visible_targets(
    session: AsyncSession, principal: Principal, kpi_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    await session.execute(
        delete(KpiTarget).where(
            KpiTarget.kpi_id == kpi_id, visible(principal, KpiTarget.organization_id)
        )
    )
    for row in rows:
        session.add(KpiTarget(id=uuid.uuid4(), kpi_id=kpi_id, **row))
    await session.flush()


async def targets_in(
    session: AsyncSession,
    kpi_ids: Sequence[uuid.UUID],
    root_id: uuid.UUID,
    periods: Sequence[str] | None,
) -> list[tuple[uuid.UUID, uuid.UUID, str, Decimal | None, Decimal, Decimal | None]]:
    """(kpi, organization, period, baseline, target, amber_at) of the subtree."""
    if not kpi_ids:
        return []
    stmt = select(
        KpiTarget.kpi_id,
        KpiTarget.organization_id,
        KpiTarget.period,
        KpiTarget.baseline,
        KpiTarget.target,
        KpiTarget.amber_at,
    ).where(KpiTarget.kpi_id.in_(kpi_ids), in_subtree(KpiTarget.organization_id, root_id))
    if periods is not None:
        stmt = stmt.where(KpiTarget.period.in_(periods))
    rows = await session.execute(stmt)
    return [tuple(r) for r in rows]  # type: ignore[misc]


# --- values --------------------------------------------------------------------------


async def value_visible(
    session: AsyncSession, principal: Principal, value_id: uuid.UUID, *, lock: bool = False
) -> KpiValue | None:
    stmt = select(KpiValue).where(
        KpiValue.id == value_id, visible(principal, KpiValue.organization_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


@dataclass(frozen=True)
class ValueFilters:
    kpi_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    status: str | None = None
    period: str | None = None


async def list_values(
    session: AsyncSession, principal: Principal, filters: ValueFilters, page: PageParams
) -> tuple[list[KpiValue], str | None]:
    stmt: Select[Any] = select(KpiValue).where(
        visible(principal, KpiValue.organization_id),
        within(KpiValue.organization_id, filters.organization_id),
    )
    if filters.kpi_id is not None:
        stmt = stmt.where(KpiValue.kpi_id == filters.kpi_id)
    if filters.status is not None:
        stmt = stmt.where(KpiValue.status == filters.status)
    if filters.period is not None:
        stmt = stmt.where(KpiValue.period == filters.period)
    return await paginate(session, stmt, [KpiValue.created_at, KpiValue.id], page)


async def verified_in(
    session: AsyncSession,
    kpi_ids: Sequence[uuid.UUID],
    root_id: uuid.UUID,
    periods: Sequence[str] | None,
    *,
    only_root: bool = False,
) -> list[tuple[uuid.UUID, uuid.UUID, str, Decimal]]:
    """(kpi, organization, period, value) of the verified values of the subtree."""
    if not kpi_ids:
        return []
    scope = (
        KpiValue.organization_id == root_id
        if only_root
        else in_subtree(KpiValue.organization_id, root_id)
    )
    stmt = select(KpiValue.kpi_id, KpiValue.organization_id, KpiValue.period, KpiValue.value).where(
        KpiValue.kpi_id.in_(kpi_ids), KpiValue.status == "verified", scope
    )
    if periods is not None:
        stmt = stmt.where(KpiValue.period.in_(periods))
    rows = await session.execute(stmt)
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def live_value(
    session: AsyncSession, kpi_id: uuid.UUID, organization_id: uuid.UUID, period: str
) -> KpiValue | None:
    return await session.scalar(
        select(KpiValue).where(
            KpiValue.kpi_id == kpi_id,
            KpiValue.organization_id == organization_id,
            KpiValue.period == period,
            KpiValue.status != "rejected",
        )
    )
