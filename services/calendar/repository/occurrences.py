"""SQL for materialized occurrences: rewritten with their entry, read by range."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy import (
    DateTime,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, Range
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry, Occurrence
from services.calendar.repository.base import readable_by
from services.calendar.repository.directory import channel_ids_of_kind, root_expression
from services.common import search
from services.common.auth import Principal
from services.common.db import Prepared
from services.common.orgtree import in_subtree
from services.common.pagination import (
    PageParams,
    branch_values,
    branches_statement,
    next_page,
    paginate,
    paginate_branches,
)


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
    sector: bool = False  # also the shared entries of the reader's ministry tree
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


@dataclass(frozen=True)
class Shape:
    """What the SQL of a window's statement depends on; the values are bind parameters
    (`values_of`), so a statement is built and compiled once per shape."""

    sector_admin: bool
    reader: bool  # the reader has an organization
    sector: bool
    organization: bool
    kinds: bool
    statuses: bool
    channel: str | None  # "id" or "kind"
    audience: bool
    campaign: bool
    include_cancelled: bool

    @classmethod
    def of(cls, principal: Principal, filters: OccurrenceFilters) -> Shape:
        channel = None
        if filters.channel:
            channel = "id" if _channel_id(filters.channel) is not None else "kind"
        reader = principal.organization_id is not None
        return cls(
            sector_admin=principal.is_sector_admin,
            reader=reader,
            sector=filters.sector and reader,
            organization=filters.organization_id is not None,
            kinds=bool(filters.kinds),
            statuses=bool(filters.statuses),
            channel=channel,
            audience=bool(filters.audience),
            campaign=filters.campaign_id is not None,
            include_cancelled=filters.include_cancelled,
        )


def _channel_id(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def values_of(principal: Principal, filters: OccurrenceFilters) -> dict[str, Any]:
    """The bind values of the window's statement (`filtered`)."""
    values: dict[str, Any] = {
        "reader": principal.organization_id,
        "start": filters.start,
        "end": filters.end,
        "organization_id": filters.organization_id,
        "kinds": list(filters.kinds),
        "statuses": list(filters.statuses),
        "audience": [filters.audience] if filters.audience else [],
        "campaign_id": filters.campaign_id,
    }
    if filters.channel:
        found = _channel_id(filters.channel)
        values["channel"] = [found] if found is not None else filters.channel
    return values


def _bound(name: str, type_: Any) -> Any:
    return bindparam(name, type_=type_)


TEXTS = ARRAY(Text())


@lru_cache(maxsize=256)
def _filtered(shape: Shape, overlapping: bool) -> Select[Any]:
    """The occurrences a reader of `shape` may read that match the filters, with bind
    parameters for the values (`values_of`); without `overlapping`, the caller bounds the
    window itself."""
    reader = _bound("reader", UUID(as_uuid=True)) if shape.reader else None
    start = _bound("start", DateTime(timezone=True))
    end = _bound("end", DateTime(timezone=True))
    stmt: Select[Any] = (
        select(*ROW_COLUMNS)
        .join(Entry, Entry.id == Occurrence.entry_id)
        .where(
            readable_by(
                shape.sector_admin,
                reader,
                Occurrence.organization_id,
                Occurrence.status,
                Occurrence.visibility,
                # the root of the reader's tree, found by the same statement
                root_expression(reader) if shape.sector else None,
            ),
        )
    )
    if overlapping:
        stmt = stmt.where(Occurrence.span.op("&&")(window(start, end)))
    if not shape.include_cancelled:
        stmt = stmt.where(Occurrence.cancelled.is_(False))
    if shape.organization:
        stmt = stmt.where(
            in_subtree(Occurrence.organization_id, _bound("organization_id", UUID(as_uuid=True)))
        )
    if shape.kinds:
        stmt = stmt.where(Occurrence.kind == any_(_bound("kinds", TEXTS)))
    if shape.statuses:
        stmt = stmt.where(Occurrence.status == any_(_bound("statuses", TEXTS)))
    if shape.channel == "id":
        stmt = stmt.where(Occurrence.channels.op("&&")(_bound("channel", TEXTS)))
    elif shape.channel == "kind":
        wanted = func.array(channel_ids_of_kind(_bound("channel", Text())).scalar_subquery())
        stmt = stmt.where(Occurrence.channels.op("&&")(wanted))
    if shape.audience:
        stmt = stmt.where(Occurrence.audiences.op("@>")(_bound("audience", TEXTS)))
    if shape.campaign:
        stmt = stmt.where(Entry.campaign_id == _bound("campaign_id", UUID(as_uuid=True)))
    return stmt


def filtered(
    principal: Principal,
    filters: OccurrenceFilters,
    query: search.SearchQuery | None = None,
    *,
    overlapping: bool = True,
    searched: bool = True,
) -> Select[Any]:
    """The occurrences `principal` may read that match `filters` (`query`: `filters.q`
    already parsed, or corrected), the values in the statement; without `overlapping`,
    the caller bounds the window itself; without `searched`, `q` is left to the caller."""
    shape = Shape.of(principal, filters)
    stmt = _filtered(shape, overlapping).params(**values_of(principal, filters))
    if not searched:
        return stmt
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
    """A searched page of the window (`query`), by start, or with `relevance` best match
    first: the text rank of the entry plus a bonus for a later start, then the start
    (both keyset). `texts` adds the entry's descriptions to the rows (for highlights).
    Without a query, `page_by_start` is the same page, faster."""
    if relevance and query is not None:
        # The matching entries first (their GIN indexes), each ranked once, then their
        # occurrences in the window: matched and ranked per occurrence instead, a year of
        # a sector read the text of every occurrence in it (40 ms for 10,000 entries).
        matched = (
            select(
                Entry.id.label("entry_id"),
                search.text_rank(query, Entry.search_vector).label("text_rank"),
            )
            .where(search.match(query, Entry.search_vector, Entry.search_text))
            .cte("matched")
            .prefix_with("MATERIALIZED")
        )
        # the occurrences of those entries by primary key (`entry_id = ANY(ARRAY(…))`):
        # joined by hash instead, the planner read every occurrence of the window
        ids = func.array(select(matched.c.entry_id).scalar_subquery())
        stmt = (
            filtered(principal, filters, searched=False)
            .join(matched, matched.c.entry_id == Occurrence.entry_id)
            .where(Occurrence.entry_id == any_(ids))
        )
        if texts:
            stmt = stmt.add_columns(*HIGHLIGHT_COLUMNS)
        rank = (matched.c.text_rank + search.recency(Occurrence.starts_at)).label("relevance")
        return await paginate(
            session, stmt.add_columns(rank), (rank, *WINDOW_KEYS), page, columns=True
        )
    stmt = filtered(principal, filters, query, overlapping=False)
    if texts:
        stmt = stmt.add_columns(*HIGHLIGHT_COLUMNS)
    branches = by_start(stmt, filters.start, filters.end)
    return await paginate_branches(session, branches, WINDOW_KEYS, page, descending=False)


@lru_cache(maxsize=256)
def _page_by_start(shape: Shape, after: bool) -> Prepared:
    stmt = _filtered(shape, overlapping=False)
    start = _bound("start", DateTime(timezone=True))
    end = _bound("end", DateTime(timezone=True))
    branches = by_start(stmt, start, end)
    return Prepared(branches_statement(branches, WINDOW_KEYS, descending=False, after=after))


async def page_by_start(
    pool: asyncpg.Pool, principal: Principal, filters: OccurrenceFilters, page: PageParams
) -> tuple[list[Any], str | None]:
    """A page of the window by start (no search), on a connection of the read pool: one
    statement, compiled once per shape of the filters (`Shape`), the reader's tree found
    in it. Rows: asyncpg records (mappings)."""
    prepared = _page_by_start(Shape.of(principal, filters), bool(page.cursor))
    values = values_of(principal, filters) | branch_values(page, WINDOW_KEYS)
    wanted = set(prepared.names)
    rows = await prepared.all(pool, **{k: v for k, v in values.items() if k in wanted})
    return next_page(rows, WINDOW_KEYS, page)


def by_start(stmt: Select[Any], start: Any, end: Any) -> list[Select[Any]]:
    """The window's occurrences in two parts that never overlap, each read in start order
    by its own index: those that start inside the window (the btree on `starts_at` from
    the window's start on, not a walk over every occurrence that ended before it; a span
    is never empty, so these all overlap the window), and the few that started earlier
    and still run at its start (`span @> start`, on the GiST index)."""
    inside = stmt.where(Occurrence.starts_at >= start, Occurrence.starts_at < end)
    # fenced (OFFSET 0) and sorted outside: a prepared statement's generic plan would
    # otherwise walk the btree in start order over everything before the window
    running = (
        stmt.where(Occurrence.span.contains(start), Occurrence.starts_at < start)
        .offset(0)
        .subquery("running")
    )
    return [inside, select(running)]


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
