"""A searched list's page: the `sort` and `highlight` options, the page body with its
`corrected_q`, and the helpers that run a page, corrected when `q` finds nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from pydantic import Field
from sqlalchemy import (
    Select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.common.errors import BadRequest
from services.common.pagination import Page, PageParams, paginate
from services.common.search.corrections import corrections
from services.common.search.matching import (
    match,
    rank_expression,
)
from services.common.search.query import SearchQuery, parse

T = TypeVar("T")


SORT_NEWEST, SORT_RELEVANCE = "newest", "relevance"


@dataclass(frozen=True)
class SearchOptions:
    """A list's `sort` and `highlight` parameters."""

    sort: str = SORT_NEWEST
    highlight: bool = False


async def search_options(
    sort: Annotated[
        Literal["newest", "relevance"],
        Query(
            description="`newest` (default): the list's own order — newest first (the "
            "calendar's occurrences: by start). `relevance`: best text match first, newer "
            "first among equals (needs `q`; keyset pagination too). — الترتيب: المعتاد "
            "للقائمة، أو الأقرب مطابقةً للبحث.",
        ),
    ] = "newest",
    highlight: Annotated[
        bool,
        Query(
            description="With `q`: each item gets `highlights`, the matching fragments of "
            "its text fields, HTML-escaped, each matched word in `<mark>…</mark>`. — "
            "إبراز المقاطع المطابقة.",
        ),
    ] = False,
) -> SearchOptions:
    return SearchOptions(sort=sort, highlight=highlight)


SearchOptionsDep = Annotated[SearchOptions, Depends(search_options)]


def check_options(options: SearchOptions, q: str | None) -> None:
    if options.sort == SORT_RELEVANCE and not q:
        raise BadRequest(
            "الترتيب حسب الصلة يتطلب نص بحث (q)",
            "sort=relevance needs a search text (q)",
            code="relevance_needs_q",
        )


class SearchPage(Page[T], Generic[T]):
    """A page of a searched list."""

    corrected_q: str | None = Field(
        None,
        description="When `q` found nothing and nearer words of the searched texts did: the "
        "query that was run instead (its words in search form), and these are its results; "
        "pass it as `q` with `next_cursor` for the next page. — عند عدم وجود نتائج: "
        "الاستعلام المصحَّح الذي نُفِّذ بدلاً منه.",
        examples=["تسرب مياه"],
    )


@dataclass
class SearchResult:
    """A page of a searched list: its rows, the next cursor, what was searched (for
    highlights) and, when `q` was corrected, the corrected query's text."""

    rows: list[Any]
    next_cursor: str | None
    query: SearchQuery | None = None
    corrected_q: str | None = None


PageRunner = Callable[[SearchQuery | None], Awaitable[tuple[list[Any], str | None]]]


async def search_page(
    session: AsyncSession, q: str | None, cursor: str | None, run: PageRunner
) -> SearchResult:
    """`run(parse(q))`, a list's page; when `q` finds nothing on the first page, its
    unknown words are replaced by the nearest words of the searched texts (`corrections`)
    and the page is run again, answered only when the corrected query finds something
    the caller sees (`run` applies the caller's visibility)."""
    query = parse(q) if q else None
    rows, next_cursor = await run(query)
    if rows or query is None or cursor is not None:
        return SearchResult(rows, next_cursor, query)
    fixes = await corrections(session, query)
    if fixes:
        corrected = query.replace(fixes)
        fixed_rows, fixed_cursor = await run(corrected)
        if fixed_rows:
            return SearchResult(fixed_rows, fixed_cursor, corrected, corrected.text())
    return SearchResult(rows, next_cursor, query)


async def search_entities(
    session: AsyncSession,
    stmt: Select[Any],
    page: PageParams,
    options: SearchOptions,
    q: str | None,
    *,
    vector: Any,
    text: Any,
    created_at: Any,
    id_: Any,
    matches: Callable[[SearchQuery], ColumnElement[bool]] | None = None,
) -> SearchResult:
    """A searched page of a list of ORM objects: `stmt` (a `select(Entity)` with the list's
    other filters) narrowed by `q` on the entity's `vector` and `text` (or by `matches`,
    when a match needs more than the row's own columns), newest first by `created_at`,
    `id`, or best match first with `sort=relevance` (every match ranked: for the small
    tables of the campaigns service); corrected as `search_page` does. Rows: the entities."""
    check_options(options, q)

    def narrowed(query: SearchQuery) -> Select[Any]:
        return stmt.where(matches(query) if matches else match(query, vector, text))

    async def run(query: SearchQuery | None) -> tuple[list[Any], str | None]:
        if query is None:
            return await paginate(session, stmt, [created_at, id_], page)
        if options.sort != SORT_RELEVANCE:
            return await paginate(session, narrowed(query), [created_at, id_], page)
        # the keys as labelled columns of the row, so the cursor can read them
        keys = (
            rank_expression(query, vector, created_at),
            created_at.label("relevance_created_at"),
            id_.label("relevance_id"),
        )
        rows, cursor = await paginate(
            session, narrowed(query).add_columns(*keys), keys, page, rows=True
        )
        return [row[0] for row in rows], cursor

    return await search_page(session, q, page.cursor, run)
