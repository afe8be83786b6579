"""SQL for suspensions: the approved entries they reach, and their own rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry, History, Occurrence, Suspension
from services.common.auth import Principal
from services.common.orgtree import in_subtree, visible_to
from services.common.pagination import PageParams, paginate


async def approved_in(
    session: AsyncSession,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    kinds: Sequence[str],
) -> list[Entry]:
    """Approved entries of the subtree with an occurrence in [start, end), locked."""
    touching = select(Occurrence.entry_id).where(
        Occurrence.span.op("&&")(func.tstzrange(start, end, "[)")),
        Occurrence.cancelled.is_(False),
        Occurrence.status == "approved",
        in_subtree(Occurrence.organization_id, organization_id),
    )
    if kinds:
        touching = touching.where(Occurrence.kind.in_(list(kinds)))
    return list(
        await session.scalars(
            select(Entry)
            .where(Entry.id.in_(touching), Entry.status == "approved")
            .order_by(Entry.id)
            .with_for_update()
        )
    )


async def suspended_by(session: AsyncSession, suspension_id: uuid.UUID) -> list[Entry]:
    return list(
        await session.scalars(
            select(Entry)
            .where(Entry.suspension_id == suspension_id, Entry.status == "suspended")
            .order_by(Entry.id)
            .with_for_update()
        )
    )


async def entry_ids_of(session: AsyncSession, suspension_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(History.entry_id)
        .where(History.suspension_id == suspension_id, History.action == "suspend")
        .order_by(History.entry_id)
    )
    return list(dict.fromkeys(rows))


async def get_visible(
    session: AsyncSession, principal: Principal, suspension_id: uuid.UUID, *, lock: bool = False
) -> Suspension | None:
    stmt = select(Suspension).where(
        Suspension.id == suspension_id, visible_to(principal, Suspension.organization_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def list_visible(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[Suspension], str | None]:
    stmt: Select[Any] = select(Suspension).where(visible_to(principal, Suspension.organization_id))
    return await paginate(session, stmt, [Suspension.created_at, Suspension.id], page)


async def get_for_update(session: AsyncSession, suspension_id: uuid.UUID) -> Suspension | None:
    return await session.scalar(
        select(Suspension).where(Suspension.id == suspension_id).with_for_update()
    )
