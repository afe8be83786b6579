"""The relevance order of a large table: a window of its newest matches, ranked, paged by
keyset, found by the newest-first walk or by the time-bucketed index (`recent`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, cast, func, literal, literal_column, select, true, tuple_
from sqlalchemy.sql.elements import ColumnElement

from services.common.pagination import decode_cursor, keyset_after
from services.common.search.matching import rank_expression
from services.common.search.query import SearchQuery
from services.common.search.recent import Recent

# The relevance order of a large table ranks a window of its matches: the newest
# `RELEVANCE_WINDOW` of them (the list's other filters applied). Ranking every match
# reads every matching row: 590 ms for a word in 3 % of a million inquiries (bench/explain),
# where the window's 300 cost a newest-first walk of about 10 000 rows.
RELEVANCE_WINDOW = 300
# With `recent`, the first page looks for the window by the bucketed index among the rows
# from the start of the week `span` ago (`shares.newest_by_weeks`: at most `RECENT_SPAN`);
# later pages use that index while the window's floor is at most `RECENT_REACH` old.
RECENT_SPAN = timedelta(days=14)
RECENT_REACH = timedelta(days=35)
_FLOOR_AT, _FLOOR_ID = "relevance_floor_at", "relevance_floor_id"
WINDOW_SHORT = "relevance_window_short"

Matching = Callable[[Recent | None], ColumnElement[bool]]


def _unwalked(created_at: Any) -> ColumnElement[Any]:
    """`created_at + interval '0'`: the same instants, in an order and a range the
    `(created_at, id)` index cannot give. By the bucketed index the window's rows come from
    its bitmap; a plan that walked that index instead tested each row's bucketed document
    by rebuilding it (60 µs a row: PostgreSQL, its statistics freshly analyzed, chose it
    once, 71 ms instead of 4)."""
    unwalked: ColumnElement[Any] = created_at + literal_column("interval '0'")
    return unwalked


def ranked_window(
    base: Select[Any],
    query: SearchQuery,
    matching: Matching,
    vector: Any,
    created_at: Any,
    id_: Any,
    cursor: str | None,
    recent: datetime | None = None,
    page_size: int | None = None,
    span: timedelta = RECENT_SPAN,
) -> tuple[Select[Any], tuple[Any, ...]]:
    """A list's select of its rows' columns (`base`, its filters applied) narrowed to the
    matches of `query` (`matching(None)`, the list's `match`) in relevance order over a
    window of them, and the keyset keys to paginate it with.

    The first page ranks the newest `RELEVANCE_WINDOW` matches (by
    `created_at`, `id`: an index walk the list has anyway) and puts the oldest of them,
    the window's floor, into the cursor with the relevance keys; the next pages rank the
    matches at or above that floor, so the window stays put while pages are read (a row
    added since joins it as any keyset list's would). Rows keep the statement's column
    names plus `relevance`.

    `recent` (the request's clock): the matches are those of `matching(Recent(...))`, found
    by the bucketed index, for the rows from the week of `span` ago (`shares.
    newest_by_weeks`) on the first page, from the floor on for the next ones (while within
    `RECENT_REACH`). The first
    page's rows then carry `relevance_window_short`: true when those weeks held fewer than
    a window of matches, and the page must be read again without `recent`.

    `page_size`: the page (`page_size` + 1 rows after the cursor) is cut from the ranked
    window before the rows' columns are read, so the list's table is read for the page's
    rows only (not for each of the window's 300, a millisecond of PostgreSQL's time)."""
    where = base.whereclause

    def clauses(found: ColumnElement[bool], by_weeks: bool) -> list[ColumnElement[bool]]:
        # By the bucketed index, the list's filters are one condition no index serves
        # (`… IS true`): PostgreSQL, which cannot tell how few rows the weeks hold, ANDed
        # the index of the caller's organizations to them (the whole table, 64 ms).
        if where is None:
            return [found]
        return [where.is_(true()) if by_weeks else where, found]

    # The window is narrow: each match's keys and rank. The page's columns are read for
    # its own rows only, by primary key (a window of wide rows cost a copy of each of its
    # 300 rows in PostgreSQL, and building the columns of the window in Python took a
    # quarter of a relevance page's time).
    floor: list[Any] | None = None
    position: list[Any] = []
    if cursor is not None:
        types = [float, created_at.type.python_type, id_.type.python_type]
        decoded = decode_cursor(cursor, 5, [*types, *types[1:]])
        position, floor = decoded[:3], decoded[3:]
        by_weeks = recent is not None and floor[0] >= recent - RECENT_REACH
        found = matching(Recent(created_at, floor[0], recent) if by_weeks and recent else None)
        at_floor = _unwalked(created_at) if by_weeks else created_at
        inner = select(created_at, id_, rank_expression(query, vector, created_at)).where(
            *clauses(found, by_weeks),
            tuple_(at_floor, id_)
            >= tuple_(
                literal(floor[0], created_at.type, literal_execute=True),
                literal(floor[1], id_.type, literal_execute=True),
            ),
        )
    else:
        size = RELEVANCE_WINDOW
        weeks = None if recent is None else Recent(created_at, recent - span, recent)
        # ranked once found: a bitmap plan sorts every match of its weeks, and ranking
        # them all before the sort cost 2 µs each (1,600 for a word in 3 % of the rows)
        newest = (
            select(created_at, id_, vector)
            .where(*clauses(matching(weeks), weeks is not None))
            .order_by((created_at if weeks is None else _unwalked(created_at)).desc(), id_.desc())
            .limit(size)
            .subquery("newest")
        )
        at_, vector_ = newest.c[created_at.key], newest.c[vector.key]
        inner = select(at_, newest.c[id_.key], rank_expression(query, vector_, at_))
    ranked = inner.cte("ranked")
    at, ident = ranked.c[created_at.key], ranked.c[id_.key]
    if floor is None:
        oldest = select(at, ident).order_by(at, ident).limit(1).subquery()
        floor_at: Any = select(oldest.c[created_at.key]).scalar_subquery()
        floor_id: Any = select(oldest.c[id_.key]).scalar_subquery()
    else:
        # cast: a bare literal in a select list would come back as text
        floor_at = cast(literal(floor[0], created_at.type, literal_execute=True), created_at.type)
        floor_id = cast(literal(floor[1], id_.type, literal_execute=True), id_.type)
    floor_at, floor_id = floor_at.label(_FLOOR_AT), floor_id.label(_FLOOR_ID)
    relevance = ranked.c.relevance
    source: Any = ranked
    if page_size is not None:
        cut = select(relevance, at, ident)
        if position:
            cut = cut.where(keyset_after((relevance, at, ident), position, True))
        source = (
            cut.order_by(relevance.desc(), at.desc(), ident.desc())
            .limit(page_size + 1)
            .subquery("page")
        )
        relevance, at, ident = source.c.relevance, source.c[created_at.key], source.c[id_.key]
    columns = [*base.selected_columns, relevance, floor_at, floor_id]
    if floor is None and recent is not None:
        counted = select(func.count()).select_from(ranked).scalar_subquery()
        columns.append((counted < literal(size, literal_execute=True)).label(WINDOW_SHORT))
    outer = select(*columns).select_from(source).where(id_ == ident)
    return outer, (relevance, at, ident, floor_at, floor_id)
