"""SQL for materialized occurrences: rewritten with their entry, read by range."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, and_, delete, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY, Range
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry, Occurrence
from services.calendar.repository.base import readable
from services.calendar.repository.directory import channel_ids_of_kind
from services.common import search
from services.common.auth import Principal
from services.common.orgtree import in_subtree
from services.common.pagination import PageParams, paginate, paginate_branches


async def replace(
    session: AsyncSession, entry_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    await session.execute(delete(Occurrence).where(Occurrence.entry_id == entry_id))
    if rows:
        await session.execute(insert(Occurrence), list(rows))


async def sync(session: AsyncSession, entry_id: uuid.UUID, **values: Any) -> None:
    """Copies the entry's changed fields (status, visibility …) onto its occurrences."""
    await session.execute(
        update(Occurrence).where(Occurrence.entry_id == entry_id).values(**values)
    )


def window(start: datetime, end: datetime) -> Any:
    return func.tstzrange(start, end, "[)")


@dataclass(frozen=True)
class OccurrenceFilters:
    start: datetime
    end: datetime
    organization_id: uuid.UUID | None = None
    sector_root: uuid.UUID | None = None
    kinds: tuple[str, ...] = ()
    channel: str | None = None
    audience: str | None = None
    statuses: tuple[str, ...] = ()
    campaign_id: uuid.UUID | None = None
    q: str | None = None
    include_cancelled: bool = False


ROW_COLUMNS: tuple[Any, ...] = (
    Occurrence.entry_id,
    Occurrence.recurrence_id,
    Occurrence.organization_id,
    Occurrence.kind,
    Occurrence.status,
    Occurrence.visibility,
    Occurrence.channels,
    Occurrence.audiences,
    Occurrence.spokesperson_id,
    Occurrence.starts_at,
    Occurrence.ends_at,
    Occurrence.start_date,
    Occurrence.end_date,
    Occurrence.overridden,
    Occurrence.cancelled,
    Entry.title_ar,
    Entry.title_en,
    Entry.timezone,
    Entry.all_day,
    Entry.campaign_id,
    Entry.location,
)


def filtered(
    principal: Principal,
    filters: OccurrenceFilters,
    query: search.SearchQuery | None = None,
    *,
    overlapping: bool = True,
) -> Select[Any]:
    """The occurrences `principal` may read that match `filters` (`query`: `filters.q`
    already parsed, or corrected); without `overlapping`, the caller bounds the window
    itself."""
    stmt: Select[Any] = (
        select(*ROW_COLUMNS)
        .join(Entry, Entry.id == Occurrence.entry_id)
        .where(
            readable(
                principal,
                Occurrence.organization_id,
                Occurrence.status,
                Occurrence.visibility,
                filters.sector_root,
            ),
        )
    )
    if overlapping:
        stmt = stmt.where(Occurrence.span.op("&&")(window(filters.start, filters.end)))
    if not filters.include_cancelled:
        stmt = stmt.where(Occurrence.cancelled.is_(False))
    if filters.organization_id is not None:
        stmt = stmt.where(in_subtree(Occurrence.organization_id, filters.organization_id))
    if filters.kinds:
        stmt = stmt.where(Occurrence.kind.in_(filters.kinds))
    if filters.statuses:
        stmt = stmt.where(Occurrence.status.in_(filters.statuses))
    if filters.channel:
        try:
            wanted: Any = literal([str(uuid.UUID(filters.channel))], ARRAY(Text()))
        except ValueError:
            wanted = func.array(channel_ids_of_kind(filters.channel).scalar_subquery())
        stmt = stmt.where(Occurrence.channels.op("&&")(wanted))
    if filters.audience:
        stmt = stmt.where(Occurrence.audiences.contains([filters.audience]))
    if filters.campaign_id is not None:
        stmt = stmt.where(Entry.campaign_id == filters.campaign_id)
    if query is None and filters.q:
        query = search.parse(filters.q)
    if query is not None:
        # the hub's search: stemmed lexemes on the entry's GIN-indexed vector, or a
        # substring of its normalized, trigram-indexed text
        stmt = stmt.where(search.match(query, Entry.search_vector, Entry.search_text))
    return stmt


WINDOW_KEYS: tuple[Any, ...] = (Occurrence.starts_at, Occurrence.entry_id, Occurrence.recurrence_id)
# the entry's texts a search highlights beyond the row's titles
HIGHLIGHT_COLUMNS: tuple[Any, ...] = (Entry.description_ar, Entry.description_en)


async def list_window(
    session: AsyncSession,
    principal: Principal,
    filters: OccurrenceFilters,
    page: PageParams,
    *,
    query: search.SearchQuery | None = None,
    relevance: bool = False,
    texts: bool = False,
) -> tuple[list[Any], str | None]:
    """A page of the window by start, or with `relevance` (and a `query`) best match
    first: the text rank of the entry plus a bonus for a later start, then the start
    (both keyset). `texts` adds the entry's descriptions to the rows (for highlights)."""
    if relevance and query is not None:
        stmt = filtered(principal, filters, query)
        if texts:
            stmt = stmt.add_columns(*HIGHLIGHT_COLUMNS)
        rank = search.rank_expression(query, Entry.search_vector, Occurrence.starts_at)
        return await paginate(
            session, stmt.add_columns(rank), (rank, *WINDOW_KEYS), page, rows=True
        )
    stmt = filtered(principal, filters, query, overlapping=False)
    if texts:
        stmt = stmt.add_columns(*HIGHLIGHT_COLUMNS)
    return await paginate_branches(
        session, by_start(stmt, filters), WINDOW_KEYS, page, descending=False
    )


def by_start(stmt: Select[Any], filters: OccurrenceFilters) -> list[Select[Any]]:
    """The window's occurrences in two parts that never overlap, each read in start order
    by its own index: those that start inside the window (the btree on `starts_at` from
    the window's start on, not a walk over every occurrence that ended before it; a span
    is never empty, so these all overlap the window), and the few that started earlier
    and still run at its start (`span @> start`, on the GiST index)."""
    inside = stmt.where(Occurrence.starts_at >= filters.start, Occurrence.starts_at < filters.end)
    # fenced (OFFSET 0) and sorted outside: a prepared statement's generic plan would
    # otherwise walk the btree in start order over everything before the window
    running = (
        stmt.where(Occurrence.span.contains(filters.start), Occurrence.starts_at < filters.start)
        .offset(0)
        .subquery("running")
    )
    return [inside, select(running)]


async def all_in_window(
    session: AsyncSession, principal: Principal, filters: OccurrenceFilters
) -> list[Any]:
    stmt = filtered(principal, filters).order_by(
        Occurrence.starts_at, Occurrence.entry_id, Occurrence.recurrence_id
    )
    return list(await session.execute(stmt))


async def of_entry(session: AsyncSession, entry_id: uuid.UUID) -> list[Occurrence]:
    return list(
        await session.scalars(
            select(Occurrence)
            .where(Occurrence.entry_id == entry_id)
            .order_by(Occurrence.starts_at, Occurrence.recurrence_id)
        )
    )


async def count_of(session: AsyncSession, entry_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Occurrence.entry_id == entry_id, Occurrence.cancelled.is_(False)
            )
        )
        or 0
    )


def span(start: datetime, end: datetime) -> Range[datetime]:
    return Range(start, end, bounds="[)")


def all_of(*clauses: Any) -> Any:
    return and_(*clauses)
