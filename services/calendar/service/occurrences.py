"""Occurrences in a window: the range query behind `GET /v1/calendar/entries`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.repository import directory as directory_repo
from services.calendar.repository import occurrences as repo
from services.calendar.service.common import visible_organization
from services.calendar.service.entries import occurrence_out
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
