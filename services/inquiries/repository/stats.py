"""The SQL of the KPIs (`service/stats.py` turns them into the stats body): counts by
grouped column, SLA totals and medians, the open backlog by age, survey ratings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, not_, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.inquiries.domain.states import OPEN_STATES, RUNNING_STATES
from services.inquiries.models import Category, Inquiry, Survey

GROUPED = ("status", "kind", "channel", "priority", "category_id")


def scope(org_ids: Sequence[uuid.UUID] | None, tag: str | None) -> Any:
    """The inquiries of these organizations (all when None), with the tag when one is given."""
    where: Any = Inquiry.organization_id.in_(org_ids) if org_ids is not None else true()
    if tag is not None:
        where = and_(where, Inquiry.tags.contains([tag]))
    return where


def created_between(where: Any, start: datetime, end: datetime) -> Any:
    return and_(where, Inquiry.created_at >= start, Inquiry.created_at < end)


async def group_counts(session: AsyncSession, where: Any) -> dict[str, dict[Any, int]]:
    """Counts by each grouped column, in one scan (GROUPING SETS)."""
    columns = [getattr(Inquiry, name) for name in GROUPED]
    rows = await session.execute(
        select(*columns, *[func.grouping(c) for c in columns], func.count())
        .where(where)
        .group_by(func.grouping_sets(*[tuple_(c) for c in columns]))
    )
    result: dict[str, dict[Any, int]] = {name: {} for name in GROUPED}
    width = len(GROUPED)
    for row in rows:
        for index, name in enumerate(GROUPED):
            if row[width + index] == 0:  # this row groups by `name`
                result[name][row[index]] = int(row[-1])
    return result


async def totals(session: AsyncSession, where: Any, now: datetime) -> dict[str, Any]:
    running = Inquiry.status.in_([s.value for s in RUNNING_STATES])
    first_missed = or_(
        Inquiry.first_response_breach_notified.is_(True),
        and_(Inquiry.first_response_at.is_(None), running, Inquiry.first_response_due < now),
    )
    first_met = and_(
        Inquiry.first_response_at.is_not(None), not_(Inquiry.first_response_breach_notified)
    )
    resolution_missed = or_(
        Inquiry.resolution_breach_notified.is_(True),
        and_(Inquiry.resolved_at.is_(None), running, Inquiry.resolution_due < now),
    )
    resolution_met = and_(
        Inquiry.resolved_at.is_not(None), not_(Inquiry.resolution_breach_notified)
    )

    def median(column: Any) -> Any:
        return func.percentile_cont(0.5).within_group(column.asc())

    row = (
        (
            await session.execute(
                select(
                    func.count().label("total"),
                    median(Inquiry.first_response_business_minutes).label("median_first"),
                    func.count(Inquiry.first_response_business_minutes).label("measured_first"),
                    median(Inquiry.resolution_business_minutes).label("median_resolution"),
                    func.count(Inquiry.resolution_business_minutes).label("measured_resolution"),
                    func.count().filter(first_met).label("first_met"),
                    func.count().filter(first_missed).label("first_missed"),
                    func.count().filter(resolution_met).label("resolution_met"),
                    func.count().filter(resolution_missed).label("resolution_missed"),
                    func.count(Inquiry.resolved_at).label("resolved"),
                ).where(where)
            )
        )
        .mappings()
        .one()
    )
    return dict(row)


async def backlog(session: AsyncSession, where: Any, now: datetime) -> tuple[int, ...]:
    """Open inquiries by age: under a day, 1–3, 3–7, 7–30, over 30 days, and all of them."""
    day = timedelta(days=1)

    def older(lower: timedelta | None, upper: timedelta | None) -> Any:
        conditions = []
        if lower is not None:
            conditions.append(Inquiry.created_at <= now - lower)
        if upper is not None:
            conditions.append(Inquiry.created_at > now - upper)
        return func.count().filter(and_(*conditions))

    row = (
        await session.execute(
            select(
                older(None, day),
                older(day, 3 * day),
                older(3 * day, 7 * day),
                older(7 * day, 30 * day),
                older(30 * day, None),
                func.count(),
            ).where(where, Inquiry.status.in_([s.value for s in OPEN_STATES]))
        )
    ).one()
    return tuple(int(n) for n in row)


async def rating(session: AsyncSession, where: Any) -> tuple[float | None, int]:
    """The surveys' average rating and how many answered, for the inquiries of `where`."""
    row = (
        await session.execute(
            select(func.avg(Survey.rating), func.count(Survey.id))
            .join(Inquiry, Inquiry.id == Survey.inquiry_id)
            .where(where)
        )
    ).one()
    return (float(row[0]) if row[0] is not None else None, int(row[1]))


async def category_names(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[Any, tuple[str, str | None]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Category.id, Category.name_ar, Category.name_en).where(Category.id.in_(ids))
    )
    return {r[0]: (r[1], r[2]) for r in rows}
