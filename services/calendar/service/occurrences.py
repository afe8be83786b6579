"""Occurrences in a window: the range query behind `GET /v1/calendar/entries`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.repository import occurrences as repo
from services.calendar.service.common import visible_organization
from services.calendar.service.materialize import hijri_of, local_days
from services.common import highlight, search
from services.common.auth import Principal
from services.common.pagination import PageParams
from services.common.responses import json_id


async def filters_for(
    session: Callable[[], AsyncSession],
    principal: Principal,
    *,
    start: datetime,
    end: datetime,
    organization_id: uuid.UUID | None = None,
    sector: bool = False,
    **more: Any,
) -> repo.OccurrenceFilters:
    if organization_id is not None:
        await visible_organization(session(), principal, organization_id, "organization_id")
    return repo.OccurrenceFilters(
        start=start, end=end, organization_id=organization_id, sector=sector, **more
    )


# the entry's texts a search highlights
HIGHLIGHTED = ("title_ar", "title_en", "description_ar", "description_en")


async def list_window(
    session: Callable[[], AsyncSession],
    pool: asyncpg.Pool,
    principal: Principal,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
    **criteria: Any,
) -> search.SearchResult:
    """A page of the occurrences in the window as `occurrence_out` dicts, by start or
    (`sort=relevance`) best match first; a `q` that finds nothing is corrected
    (`search.search_page`); with `highlight`, each gets the `highlights` of its entry's
    titles and descriptions. Without `q`, one statement on the read pool `pool`;
    `session()` opens the request's session, only when needed (an `organization_id` to
    check, a search)."""
    search.check_options(options, criteria.get("q"))
    filters = await filters_for(session, principal, **criteria)
    if not filters.q:
        rows, cursor = await repo.page_by_start(pool, principal, filters, page)
        return search.SearchResult([occurrence_out(row) for row in rows], cursor)
    relevance = options.sort == search.SORT_RELEVANCE

    async def run(query: search.SearchQuery | None) -> tuple[list[Any], str | None]:
        return await repo.list_window(
            session(),
            principal,
            filters,
            page,
            query=query,
            relevance=relevance,
            texts=options.highlight,
        )

    result = await search.search_page(session(), filters.q, page.cursor, run)
    matcher = highlight.Matcher.of(result.query) if options.highlight and result.query else None
    items = []
    for row in result.rows:
        item = occurrence_out(row._mapping)
        if matcher is not None:
            item["highlights"] = highlight.highlights(row, HIGHLIGHTED, matcher)
        items.append(item)
    result.rows = items
    return result


def occurrence_out(row: Mapping[str, Any]) -> dict[str, Any]:
    """An occurrence row of the range query (a mapping of `repo.ROW_COLUMNS`) as the API
    shows it: `OccurrenceHit`'s fields in its order, ready for `json_response` without
    the model (ids as strings; times and dates as pydantic encodes them)."""
    tz = ZoneInfo(row["timezone"])
    starts_at, ends_at = row["starts_at"], row["ends_at"]
    if row["all_day"]:
        first, last = row["start_date"], row["end_date"]
    else:
        first, last = local_days(starts_at, ends_at, tz)
    return {
        "entry_id": json_id(row["entry_id"]),
        "recurrence_id": row["recurrence_id"],
        "organization_id": json_id(row["organization_id"]),
        "kind": row["kind"],
        "title_ar": row["title_ar"],
        "title_en": row["title_en"],
        "status": row["status"],
        "all_day": row["all_day"],
        "starts_at": starts_at.astimezone(tz),
        "ends_at": ends_at.astimezone(tz),
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "timezone": row["timezone"],
        "hijri": hijri_of(first, last),
        "channels": list(row["channels"]),
        "audiences": list(row["audiences"]),
        "visibility": row["visibility"],
        "spokesperson_id": json_id(row["spokesperson_id"]),
        "campaign_id": json_id(row["campaign_id"]),
        "location": row["location"],
        "overridden": row["overridden"],
    }
