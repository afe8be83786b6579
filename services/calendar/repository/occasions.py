"""SQL for occasions and moon-sighting confirmations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Confirmation, Occasion


async def insert_missing(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Inserts the occasions whose code is not there yet; returns the new ids."""
    if not rows:
        return []
    result = await session.execute(
        insert(Occasion)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Occasion.id)
    )
    return list(result.scalars())


async def listed(
    session: AsyncSession,
    region: str | None = None,
    *,
    day_off: bool | None = None,
    active: bool | None = True,
) -> list[Occasion]:
    stmt = select(Occasion).order_by(Occasion.code)
    if region is not None:
        stmt = stmt.where(or_(Occasion.region.is_(None), Occasion.region == region))
    if day_off is not None:
        stmt = stmt.where(Occasion.day_off.is_(day_off))
    if active is not None:
        stmt = stmt.where(Occasion.active.is_(active))
    return list(await session.scalars(stmt))


async def get(
    session: AsyncSession, occasion_id: uuid.UUID, *, lock: bool = False
) -> Occasion | None:
    stmt = select(Occasion).where(Occasion.id == occasion_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Occasion]:
    return list(await session.scalars(select(Occasion).where(Occasion.id.in_(list(ids)))))


async def confirmations(
    session: AsyncSession, occasion_ids: Sequence[uuid.UUID]
) -> list[Confirmation]:
    if not occasion_ids:
        return []
    return list(
        await session.scalars(
            select(Confirmation).where(Confirmation.occasion_id.in_(list(occasion_ids)))
        )
    )


async def confirmation(
    session: AsyncSession, occasion_id: uuid.UUID, hijri_year: int
) -> Confirmation | None:
    return await session.scalar(
        select(Confirmation).where(
            Confirmation.occasion_id == occasion_id, Confirmation.hijri_year == hijri_year
        )
    )
