"""SQL for campaigns, their decisions and flights."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Campaign, CampaignDecision, Flight
from services.campaigns.repository.base import visible, within
from services.common import search
from services.common.auth import Principal
from services.common.pagination import PageParams, paginate


async def get_visible(
    session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign | None:
    stmt = select(Campaign).where(
        Campaign.id == campaign_id, visible(principal, Campaign.organization_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


@dataclass(frozen=True)
class CampaignFilters:
    organization_id: uuid.UUID | None = None
    type: str | None = None
    status: str | None = None
    initiative_id: uuid.UUID | None = None
    q: str | None = None


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    filters: CampaignFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> search.SearchResult:
    stmt: Select[Any] = select(Campaign).where(
        visible(principal, Campaign.organization_id),
        within(Campaign.organization_id, filters.organization_id),
    )
    for column, value in (
        (Campaign.type, filters.type),
        (Campaign.status, filters.status),
        (Campaign.initiative_id, filters.initiative_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return await search.search_entities(
        session,
        stmt,
        page,
        options,
        filters.q,
        vector=Campaign.search_vector,
        text=Campaign.search_text,
        created_at=Campaign.created_at,
        id_=Campaign.id,
    )


async def decisions_of(session: AsyncSession, campaign_id: uuid.UUID) -> list[CampaignDecision]:
    rows = await session.scalars(
        select(CampaignDecision)
        .where(CampaignDecision.campaign_id == campaign_id)
        .order_by(CampaignDecision.created_at, CampaignDecision.id)
    )
    return list(rows)


async def flights_of(
    session: AsyncSession, campaign_id: uuid.UUID, *, include_cancelled: bool = True
) -> list[Flight]:
    stmt = select(Flight).where(Flight.campaign_id == campaign_id)
    if not include_cancelled:
        stmt = stmt.where(Flight.cancelled.is_(False))
    rows = await session.scalars(stmt.order_by(Flight.start_date, Flight.id))
    return list(rows)


async def flight_visible(
    session: AsyncSession, principal: Principal, flight_id: uuid.UUID
) -> Flight | None:
    return await session.scalar(
        select(Flight).where(Flight.id == flight_id, visible(principal, Flight.organization_id))
    )


async def page_flights(
    session: AsyncSession, campaign_id: uuid.UUID, page: PageParams
) -> tuple[list[Flight], str | None]:
    stmt = select(Flight).where(Flight.campaign_id == campaign_id)
    return await paginate(session, stmt, [Flight.start_date, Flight.id], page, descending=False)
