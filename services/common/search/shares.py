"""How common a query's words are and how many rows the last weeks hold, from PostgreSQL's
own statistics of a searched table (its stored vector's most common lexemes, its
`created_at` histogram): what decides how a relevance window's newest matches are found.

The bucketed index (`recent.Recent`) reads every match of the weeks asked (at most the
last two): its cost grows with the query's share of the rows (a word in 1.2 % of a
million inquiries: 586 matches, about 3 ms). The newest-first walk reads rows until it
has a window: its cost shrinks as the share grows (23,000 rows for that word, 17 ms;
3,000 for a word in 10 %). They cross near 5 %. A query PostgreSQL does not count among
its most common is taken for rare: the walk, or rather the GIN indexes, find its few
matches. The statistics are read once every few minutes per process and table."""

from __future__ import annotations

import bisect
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import driver_of
from services.common.search.query import SearchQuery, Term
from services.common.search.recent import week_start
from services.common.search.window import RECENT_SPAN, RELEVANCE_WINDOW
from services.common.search.words import lexemes, tokens

# A query whose matches are more common than this finds its window by the walk.
RECENT_MAX_SHARE = 0.05
STATISTICS_TTL_SECONDS = 300.0

_STATISTICS = text(
    """
    SELECT v.most_common_elems::text::text[] AS lexemes,
           v.most_common_elem_freqs AS shares,
           c.histogram_bounds::text::timestamptz[] AS created,
           t.reltuples AS rows
    FROM pg_class t
    LEFT JOIN pg_stats v ON v.schemaname = current_schema() AND v.tablename = t.relname
        AND v.attname = :vector
    LEFT JOIN pg_stats c ON c.schemaname = current_schema() AND c.tablename = t.relname
        AND c.attname = :created
    WHERE t.oid = to_regclass(:table)
    """
)

_SERIAL = "SET max_parallel_workers_per_gather = 0"
_PARALLEL = "RESET max_parallel_workers_per_gather"


@dataclass(frozen=True)
class Statistics:
    """A table's most common lexemes with the share of rows holding each, the bounds of its
    `created_at` histogram (each step an equal share of rows) and its row count."""

    shares: dict[str, float]
    created: list[datetime]
    rows: float

    def lexeme_share(self, exact: set[str], prefixes: set[str]) -> float:
        share = sum(self.shares.get(x, 0.0) for x in exact)
        for prefix in prefixes:
            share += sum(s for lexeme, s in self.shares.items() if lexeme.startswith(prefix))
        return min(share, 1.0)

    def term_share(self, term: Term) -> float:
        """A word's share, or a phrase's (its least common word's); 0 for a word not among
        the most common."""
        found = [self.lexeme_share(*lexemes(t)) for w in term.words for t in tokens(w)]
        return min(found) if found else 0.0

    def query_share(self, query: SearchQuery) -> float:
        """The share of rows `query` matches, at most: its least common group's (the
        alternatives of a group added up)."""
        groups = [
            min(1.0, sum(self.term_share(t) for t in g if not t.negated))
            for g in query.groups
            if any(not t.negated for t in g)
        ]
        return min(groups) if groups else 0.0

    def rows_since(self, at: datetime) -> float:
        """The rows created from `at` on, estimated (none known after the last analysis)."""
        if len(self.created) < 2:
            return 0.0
        steps = len(self.created) - 1
        above = steps - bisect.bisect_left(self.created, at)
        return self.rows * max(0, min(above, steps)) / steps


_cache: dict[tuple[str, str], tuple[float, Statistics]] = {}


async def statistics(
    session: AsyncSession, table: str, vector: str = "search_vector"
) -> Statistics:
    """`table`'s statistics, read at most once every `STATISTICS_TTL_SECONDS` per process."""
    key = (table, vector)
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < STATISTICS_TTL_SECONDS:
        return cached[1]
    row = (
        await session.execute(
            _STATISTICS, {"table": table, "vector": vector, "created": "created_at"}
        )
    ).first()
    found = Statistics(
        shares=dict(zip(row.lexemes, row.shares, strict=False)) if row and row.lexemes else {},
        created=list(row.created) if row and row.created else [],
        rows=float(row.rows) if row and row.rows and row.rows > 0 else 0.0,
    )
    _cache[key] = (now, found)
    return found


async def newest_by_weeks(
    session: AsyncSession, table: str, query: SearchQuery, now: datetime
) -> timedelta | None:
    """How far back the relevance window of `query` on `table` is looked for by the
    bucketed index (`ranked_window`'s `span`), or None for the newest-first walk: the query
    is not frequent enough for the walk to be short, and the last two weeks should hold a
    window of its matches. The span is the time that should hold two windows at the last
    weeks' rate (a frequent word's a week, 1,400 rows of a million fewer to read), at most
    `RECENT_SPAN`. Run its page `serial`."""
    stats = await statistics(session, table)
    share = stats.query_share(query)
    since = week_start(now - RECENT_SPAN)
    rows = stats.rows_since(since)
    if not 0.0 < share <= RECENT_MAX_SHARE or share * rows < RELEVANCE_WINDOW:
        return None
    return min(RECENT_SPAN, (now - since) * (2 * RELEVANCE_WINDOW / (share * rows)))


@asynccontextmanager
async def serial(session: AsyncSession) -> AsyncIterator[None]:
    """The session's statements inside run without parallel workers. PostgreSQL, pricing
    the bitmap plan of the last weeks by its estimates, gave it two, whose start made a
    statement of 5–7 ms take 13–15 ms (and under load they compete for the same cores).
    A read runs in autocommit, where `SET LOCAL` lasts one statement: the setting is reset
    on the way out instead (a failed transaction undoes it by itself). Sent on the driver's
    connection, as simple queries: through the session each cost a fifth of a millisecond
    of the service's time."""
    driver = await driver_of(session)
    await driver.execute(_SERIAL)
    try:
        yield
    except BaseException:
        with suppress(Exception):
            await driver.execute(_PARALLEL)
        raise
    await driver.execute(_PARALLEL)
