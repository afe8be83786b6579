"""SQL of the inquiry facts: one upsert per event, one aggregate per KPI read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, not_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import InquiryFact
from services.common.orgtree import in_subtree

Fact = InquiryFact.__table__


async def upsert(
    session: AsyncSession,
    inquiry_id: uuid.UUID,
    organization_id: uuid.UUID,
    status: str,
    values: dict[str, Any],
    on_conflict: dict[str, Any],
    *,
    keep_owner: bool = False,
) -> None:
    """Inserts the inquiry's row with `values`, or applies `on_conflict` (SQL expressions
    over the row and `excluded`) to the one there; the owner and status follow the event
    unless `keep_owner` (an older event arriving after newer ones)."""
    statement = insert(InquiryFact).values(
        inquiry_id=inquiry_id, organization_id=organization_id, status=status, **values
    )
    changes = dict(on_conflict)
    if not keep_owner:
        changes["organization_id"] = statement.excluded.organization_id
        changes["status"] = statement.excluded.status
    changes["updated_at"] = func.now()
    await session.execute(
        statement.on_conflict_do_update(index_elements=["inquiry_id"], set_=changes)
    )


def excluded(name: str) -> Any:
    return insert(InquiryFact).excluded[name]


async def figures(
    session: AsyncSession, root_id: uuid.UUID, start: datetime, end: datetime
) -> dict[str, Any]:
    """The month's figures over the subtree of `root_id`, for inquiries created in
    [start, end)."""
    first_met = and_(
        InquiryFact.first_response_at.is_not(None), not_(InquiryFact.first_response_breached)
    )
    resolution_met = and_(
        InquiryFact.resolved_at.is_not(None), not_(InquiryFact.resolution_breached)
    )
    row = (
        (
            await session.execute(
                select(
                    func.count().label("total"),
                    func.count().filter(first_met).label("first_met"),
                    func.count().filter(InquiryFact.first_response_breached).label("first_missed"),
                    func.count().filter(resolution_met).label("resolution_met"),
                    func.count().filter(InquiryFact.resolution_breached).label("resolution_missed"),
                    func.count(InquiryFact.resolved_at).label("resolved"),
                    func.avg(InquiryFact.rating).label("average_rating"),
                    func.count(InquiryFact.rating).label("responses"),
                    func.count(func.distinct(InquiryFact.organization_id)).label("organizations"),
                ).where(
                    in_subtree(InquiryFact.organization_id, root_id),
                    InquiryFact.created_at >= start,
                    InquiryFact.created_at < end,
                )
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


PERIOD_FORMATS = {"monthly": "YYYY-MM", "quarterly": 'YYYY-"Q"Q', "yearly": "YYYY"}


async def periods_with_facts(
    session: AsyncSession, root_id: uuid.UUID, timezone: str, frequency: str, limit: int
) -> list[str]:
    """The latest `limit` periods (of `frequency`, in `timezone`) in which inquiries of the
    subtree of `root_id` were created."""
    period = func.to_char(
        func.timezone(timezone, InquiryFact.created_at), PERIOD_FORMATS[frequency]
    ).label("period")
    rows = await session.scalars(
        select(period)
        .where(
            in_subtree(InquiryFact.organization_id, root_id), InquiryFact.created_at.is_not(None)
        )
        .group_by(period)
        .order_by(period.desc())
        .limit(limit)
    )
    return sorted(rows)
