"""Occurrences in a window: the range query behind `GET /v1/calendar/entries`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.repository import directory as directory_repo
from services.calendar.repository import occurrences as repo
from services.calendar.service.common import visible_organization
from services.calendar.service.entries import hijri_of, local_days
from services.common.auth import Principal
from services.common.pagination import PageParams


async def filters_for(
    session: AsyncSession,
    principal: Principal,
    *,
    start: datetime,
    end: datetime,
    organization_id: uuid.UUID | None = None,
    sector: bool = False,
    **more: Any,
) -> repo.OccurrenceFilters:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    root = None
    if sector and principal.organization_id is not None:
        root = await directory_repo.root_of(session, principal.organization_id)
    return repo.OccurrenceFilters(
        start=start, end=end, organization_id=organization_id, sector_root=root, **more
    )


async def list_window(
    session: AsyncSession, principal: Principal, page: PageParams, **criteria: Any
) -> tuple[list[dict[str, Any]], str | None]:
    filters = await filters_for(session, principal, **criteria)
    rows, cursor = await repo.list_window(session, principal, filters, page)
    return [occurrence_out(r) for r in rows], cursor


def occurrence_out(row: Any) -> dict[str, Any]:
    """An occurrence row of the range query as the API shows it."""
    tz = ZoneInfo(row.timezone)
    if row.all_day:
        first, last = row.start_date, row.end_date
    else:
        first, last = local_days(row.starts_at, row.ends_at, tz)
    return {
        "entry_id": row.entry_id,
        "recurrence_id": row.recurrence_id,
        "organization_id": row.organization_id,
        "kind": row.kind,
        "title_ar": row.title_ar,
        "title_en": row.title_en,
        "status": row.status,
        "all_day": row.all_day,
        "starts_at": row.starts_at.astimezone(tz),
        "ends_at": row.ends_at.astimezone(tz),
        "start_date": row.start_date,
        "end_date": row.end_date,
        "timezone": row.timezone,
        "hijri": hijri_of(first, last),
        "channels": list(row.channels),
        "audiences": list(row.audiences),
        "visibility": row.visibility,
        "spokesperson_id": row.spokesperson_id,
        "campaign_id": row.campaign_id,
        "location": row.location,
        "overridden": row.overridden,
    }
