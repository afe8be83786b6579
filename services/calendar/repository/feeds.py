"""SQL for feeds: the subscriptions, and the entries a feed shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry, Feed, Occurrence, Override
from services.calendar.repository.base import SHARED
from services.common.auth import Principal
from services.common.orgtree import in_subtree, visible_to
from services.common.pagination import PageParams, paginate


async def by_token_hash(session: AsyncSession, token_hash: str) -> Feed | None:
    return await session.scalar(
        select(Feed).where(Feed.token_hash == token_hash, Feed.revoked_at.is_(None))
    )


async def get_visible(
    session: AsyncSession, principal: Principal, feed_id: uuid.UUID
) -> Feed | None:
    return await session.scalar(
        select(Feed).where(Feed.id == feed_id, visible_to(principal, Feed.organization_id))
    )


async def list_visible(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[Feed], str | None]:
    stmt: Select[Any] = select(Feed).where(visible_to(principal, Feed.organization_id))
    return await paginate(session, stmt, [Feed.created_at, Feed.id], page)


def scope_clause(scope: str, organization_id: uuid.UUID, sector_root: uuid.UUID | None) -> Any:
    if scope == "own":
        return Entry.organization_id == organization_id
    subtree = in_subtree(Entry.organization_id, organization_id)
    if scope == "sector" and sector_root is not None:
        return or_(
            subtree,
            and_(Entry.visibility.in_(SHARED), in_subtree(Entry.organization_id, sector_root)),
        )
    return subtree


def entries_where(
    scope: str,
    organization_id: uuid.UUID,
    sector_root: uuid.UUID | None,
    kinds: Sequence[str],
    statuses: Sequence[str],
) -> list[Any]:
    where = [scope_clause(scope, organization_id, sector_root), Entry.status.in_(list(statuses))]
    if kinds:
        where.append(Entry.kind.in_(list(kinds)))
    return where


async def fingerprint(session: AsyncSession, where: list[Any]) -> tuple[int, datetime | None]:
    """How many entries, and the latest change among them and their overrides."""
    row = (
        await session.execute(
            select(
                func.count(Entry.id),
                func.max(Entry.updated_at),
                select(func.max(Override.updated_at))
                .where(Override.entry_id.in_(select(Entry.id).where(*where)))
                .scalar_subquery(),
            ).where(*where)
        )
    ).one()
    latest = max((t for t in (row[1], row[2]) if t is not None), default=None)
    return int(row[0]), latest


FEED_COLUMNS: tuple[Any, ...] = (
    Entry.id,
    Entry.kind,
    Entry.status,
    Entry.version,
    Entry.title_ar,
    Entry.title_en,
    Entry.description_ar,
    Entry.location,
    Entry.all_day,
    Entry.starts_at,
    Entry.ends_at,
    Entry.start_date,
    Entry.end_date,
    Entry.timezone,
    Entry.rrule,
    Entry.exdates,
    Entry.updated_at,
    Entry.created_at,
)


async def entries(session: AsyncSession, where: list[Any]) -> list[Any]:
    """The feed's entries as rows of `FEED_COLUMNS` (no ORM objects: a feed may hold
    ten thousand)."""
    return list(await session.execute(select(*FEED_COLUMNS).where(*where).order_by(Entry.id)))


async def overrides(session: AsyncSession, where: list[Any]) -> list[Override]:
    return list(
        await session.scalars(
            select(Override).where(Override.entry_id.in_(select(Entry.id).where(*where)))
        )
    )


async def hijri_occurrences(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> list[Any]:
    if not entry_ids:
        return []
    rows = await session.execute(
        select(
            Occurrence.entry_id,
            Occurrence.recurrence_id,
            Occurrence.starts_at,
            Occurrence.start_date,
        )
        .where(Occurrence.entry_id.in_(list(entry_ids)))
        .order_by(Occurrence.entry_id, Occurrence.starts_at)
    )
    return list(rows)
