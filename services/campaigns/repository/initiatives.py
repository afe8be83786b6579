"""SQL for initiatives, their milestones and beneficiaries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, delete, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Beneficiary, Initiative, Milestone
from services.campaigns.repository.base import visible, within
from services.common import search
from services.common.auth import Principal
from services.common.pagination import PageParams, paginate


async def get_visible(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID, *, lock: bool = False
) -> Initiative | None:
    stmt = select(Initiative).where(
        Initiative.id == initiative_id, visible(principal, Initiative.organization_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def get(session: AsyncSession, initiative_id: uuid.UUID) -> Initiative | None:
    return await session.get(Initiative, initiative_id)


async def get_locked(session: AsyncSession, initiative_id: uuid.UUID) -> Initiative | None:
    """The row, locked for this transaction and read afresh (concurrent progress updates
    of one initiative take turns)."""
    return await session.get(
        Initiative, initiative_id, with_for_update=True, populate_existing=True
    )


@dataclass(frozen=True)
class InitiativeFilters:
    organization_id: uuid.UUID | None = None
    axis_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    top_level: bool | None = None
    status: str | None = None
    published: bool | None = None
    q: str | None = None


def _filtered(stmt: Select[Any], filters: InitiativeFilters) -> Select[Any]:
    stmt = stmt.where(within(Initiative.organization_id, filters.organization_id))
    if filters.axis_id is not None:
        stmt = stmt.where(Initiative.axis_id == filters.axis_id)
    if filters.parent_id is not None:
        stmt = stmt.where(Initiative.parent_id == filters.parent_id)
    if filters.top_level is not None:
        column = Initiative.parent_id
        stmt = stmt.where(column.is_(None) if filters.top_level else column.is_not(None))
    if filters.status is not None:
        stmt = stmt.where(Initiative.status == filters.status)
    if filters.published is not None:
        stmt = stmt.where(Initiative.published.is_(filters.published))
    if filters.q:
        stmt = stmt.where(
            search.filter_q(filters.q, Initiative.search_vector, Initiative.search_text)
        )
    return stmt


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    filters: InitiativeFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> search.SearchResult:
    stmt = _filtered(
        select(Initiative).where(visible(principal, Initiative.organization_id)),
        replace(filters, q=None),
    )
    return await search.search_entities(
        session,
        stmt,
        page,
        options,
        filters.q,
        vector=Initiative.search_vector,
        text=Initiative.search_text,
        created_at=Initiative.created_at,
        id_=Initiative.id,
    )


async def list_published(
    session: AsyncSession, filters: InitiativeFilters, page: PageParams
) -> tuple[list[Initiative], str | None]:
    stmt = _filtered(select(Initiative).where(Initiative.published.is_(True)), filters)
    return await paginate(session, stmt, [Initiative.created_at, Initiative.id], page)


async def get_published(session: AsyncSession, initiative_id: uuid.UUID) -> Initiative | None:
    return await session.scalar(
        select(Initiative).where(Initiative.id == initiative_id, Initiative.published.is_(True))
    )


async def ancestor_ids(session: AsyncSession, initiative_id: uuid.UUID) -> list[uuid.UUID]:
    """The initiative and every initiative above it, nearest first."""
    tree = (
        select(Initiative.id, Initiative.parent_id, literal(0).label("depth"))
        .where(Initiative.id == initiative_id)
        .cte("tree", recursive=True)
    )
    parent = select(Initiative.id, Initiative.parent_id, (tree.c.depth + 1).label("depth")).join(
        tree, Initiative.id == tree.c.parent_id
    )
    tree = tree.union_all(parent)
    # depth bounds a cycle that a concurrent move might have made
    return list(
        await session.scalars(select(tree.c.id).where(tree.c.depth < 100).order_by(tree.c.depth))
    )


# --- progress ------------------------------------------------------------------------


async def progress_inputs(
    session: AsyncSession, initiative_id: uuid.UUID
) -> tuple[list[tuple[Decimal, bool]], list[tuple[Decimal, Decimal]]]:
    milestones = await session.execute(
        select(Milestone.weight, Milestone.completed_at.is_not(None)).where(
            Milestone.initiative_id == initiative_id
        )
    )
    children = await session.execute(
        select(Initiative.weight, Initiative.progress).where(
            Initiative.parent_id == initiative_id, Initiative.status != "cancelled"
        )
    )
    return (
        [(Decimal(w), bool(done)) for w, done in milestones],
        [(Decimal(w), Decimal(p)) for w, p in children],
    )


# --- milestones ----------------------------------------------------------------------


async def milestone_visible(
    session: AsyncSession, principal: Principal, milestone_id: uuid.UUID
) -> Milestone | None:
    return await session.scalar(
        select(Milestone).where(
            Milestone.id == milestone_id, visible(principal, Milestone.organization_id)
        )
    )


async def milestones_of(
    session: AsyncSession, initiative_id: uuid.UUID, page: PageParams
) -> tuple[list[Milestone], str | None]:
    stmt = select(Milestone).where(Milestone.initiative_id == initiative_id)
    return await paginate(session, stmt, [Milestone.due_date, Milestone.id], page, descending=False)


async def weight_sum(
    session: AsyncSession, initiative_id: uuid.UUID, excluding: uuid.UUID | None = None
) -> Decimal:
    stmt = select(func.coalesce(func.sum(Milestone.weight), 0)).where(
        Milestone.initiative_id == initiative_id
    )
    if excluding is not None:
        stmt = stmt.where(Milestone.id != excluding)
    return Decimal(await session.scalar(stmt) or 0)


@dataclass(frozen=True)
class MilestoneFilters:
    organization_id: uuid.UUID | None = None
    overdue: bool | None = None
    completed: bool | None = None
    initiative_id: uuid.UUID | None = None


async def list_milestones(
    session: AsyncSession,
    principal: Principal,
    filters: MilestoneFilters,
    today: date,
    page: PageParams,
) -> tuple[list[Milestone], str | None]:
    stmt: Select[Any] = select(Milestone).where(
        visible(principal, Milestone.organization_id),
        within(Milestone.organization_id, filters.organization_id),
    )
    if filters.initiative_id is not None:
        stmt = stmt.where(Milestone.initiative_id == filters.initiative_id)
    if filters.completed is not None:
        done = Milestone.completed_at
        stmt = stmt.where(done.is_not(None) if filters.completed else done.is_(None))
    overdue = and_(Milestone.completed_at.is_(None), Milestone.due_date < today)
    if filters.overdue is True:
        stmt = stmt.where(overdue)
    elif filters.overdue is False:
        stmt = stmt.where(or_(Milestone.completed_at.is_not(None), Milestone.due_date >= today))
    return await paginate(session, stmt, [Milestone.due_date, Milestone.id], page, descending=False)


async def due_for_overdue_notice(session: AsyncSession, today: date, limit: int) -> list[Milestone]:
    """Open milestones past their due date not yet reported, locked; rows another worker
    holds are skipped, so several workers can sweep at once."""
    rows = await session.scalars(
        select(Milestone)
        .where(
            Milestone.completed_at.is_(None),
            Milestone.overdue_notified_at.is_(None),
            Milestone.due_date < today,
        )
        .order_by(Milestone.due_date, Milestone.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


# --- beneficiaries -------------------------------------------------------------------


async def beneficiaries_of(session: AsyncSession, initiative_id: uuid.UUID) -> list[Beneficiary]:
    rows = await session.scalars(
        select(Beneficiary)
        .where(Beneficiary.initiative_id == initiative_id)
        .order_by(Beneficiary.period, Beneficiary.organization_id, Beneficiary.segment)
    )
    return list(rows)


async def replace_beneficiaries(
    session: AsyncSession, initiative_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    await session.execute(delete(Beneficiary).where(Beneficiary.initiative_id == initiative_id))
    for row in rows:
        session.add(Beneficiary(id=uuid.uuid4(), initiative_id=initiative_id, **row))
    await session.flush()
