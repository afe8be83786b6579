"""SQL for entries, their overrides and history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry, History, Override
from services.calendar.repository.base import readable
from services.common.auth import Principal


async def get_readable(
    session: AsyncSession,
    principal: Principal,
    entry_id: uuid.UUID,
    sector_root: uuid.UUID | None,
    *,
    for_update: bool = False,
) -> Entry | None:
    stmt = select(Entry).where(
        Entry.id == entry_id,
        readable(principal, Entry.organization_id, Entry.status, Entry.visibility, sector_root),
    )
    if for_update:
        stmt = stmt.with_for_update(of=Entry)
    return await session.scalar(stmt)


async def get(
    session: AsyncSession, entry_id: uuid.UUID, *, for_update: bool = False
) -> Entry | None:
    stmt = select(Entry).where(Entry.id == entry_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def find_external(
    session: AsyncSession, source: str, external_id: str, *, for_update: bool = False
) -> Entry | None:
    stmt = select(Entry).where(Entry.external_source == source, Entry.external_id == external_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def overrides_of(session: AsyncSession, entry_id: uuid.UUID) -> list[Override]:
    return list(await session.scalars(select(Override).where(Override.entry_id == entry_id)))


async def get_override(session: AsyncSession, entry_id: uuid.UUID, rid: str) -> Override | None:
    return await session.get(Override, (entry_id, rid))


async def drop_overrides(session: AsyncSession, entry_id: uuid.UUID, rids: Sequence[str]) -> None:
    if rids:
        await session.execute(
            delete(Override).where(Override.entry_id == entry_id, Override.recurrence_id.in_(rids))
        )


async def add_history(session: AsyncSession, **values: Any) -> None:
    session.add(History(id=uuid.uuid4(), **values))


async def history_of(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> list[History]:
    if not entry_ids:
        return []
    return list(
        await session.scalars(
            select(History)
            .where(History.entry_id.in_(list(entry_ids)))
            .order_by(History.occurred_at, History.id)
        )
    )


async def entries_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Entry]:
    if not ids:
        return {}
    rows = await session.scalars(select(Entry).where(Entry.id.in_(list(set(ids)))))
    return {e.id: e for e in rows}


async def finished(session: AsyncSession, now: datetime, limit: int = 1000) -> list[Entry]:
    """Approved entries whose last occurrence ended."""
    return list(
        await session.scalars(
            select(Entry)
            .where(Entry.status == "approved", Entry.series_span.op("<<")(_point(now)))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _point(moment: datetime) -> Any:
    from sqlalchemy import func

    return func.tstzrange(moment, moment, "[]")


async def set_status_many(session: AsyncSession, ids: Sequence[uuid.UUID], **values: Any) -> None:
    if ids:
        await session.execute(update(Entry).where(Entry.id.in_(list(ids))).values(**values))
