"""SQL of the calendar's imports: the entries a batch's keys name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry


async def entries_by_key(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Entry]:
    """The entries of these (`external_source`, `external_id`) keys, locked for the
    batch (in id order, so two imports lock in the same order)."""
    if not keys:
        return {}
    found = await session.scalars(
        select(Entry)
        .where(
            Entry.external_id.is_not(None),
            tuple_(Entry.external_source, Entry.external_id).in_(list(keys)),
        )
        .order_by(Entry.id)
        .with_for_update()
    )
    return {(e.external_source or "", e.external_id or ""): e for e in found}
