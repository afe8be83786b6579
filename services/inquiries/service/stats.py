"""KPIs for an organization subtree and a period, computed by SQL aggregates.

Met / missed per target come from the breach flags the SLA logic keeps (a target is missed
when it was met late or is still open past its due time); medians use the business minutes
recorded when the target was met, so they honour each organization's calendar and pauses.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, not_, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import ValidationFailed
from services.common.orgtree import ensure_visible
from services.inquiries import clock
from services.inquiries.domain.states import OPEN_STATES, RUNNING_STATES
from services.inquiries.models import Category, Inquiry, Survey
from services.inquiries.repository import inquiries as repository
from services.inquiries.schemas.stats import (
    Backlog,
    CategoryCount,
    Satisfaction,
    StatsOut,
    TargetStats,
)
from services.inquiries.service.inquiries import require

DEFAULT_PERIOD = timedelta(days=30)
GROUPED = ("status", "kind", "channel", "priority", "category_id")


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _hours(minutes: float | None) -> float | None:
    return round(minutes / 60.0, 2) if minutes is not None else None


async def inquiry_stats(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    period_from: datetime | None,
    period_to: datetime | None,
    tag: str | None = None,
) -> StatsOut:
    require(principal, "inquiries:read")
    now = clock.now()
    end = period_to or now
    start = period_from or end - DEFAULT_PERIOD
    if start >= end:
        raise ValidationFailed(
            "from", "بداية الفترة بعد نهايتها", "The period starts after it ends"
        )
    root = organization_id or principal.organization_id
    if root is not None:
        await ensure_visible(session, principal, root)
    org_ids = await repository.scope_ids(session, principal, root)
    scope: Any = Inquiry.organization_id.in_(org_ids) if org_ids is not None else true()
    if tag is not None:
        scope = and_(scope, Inquiry.tags.contains([tag]))
    in_period = and_(scope, Inquiry.created_at >= start, Inquiry.created_at < end)

    groups = await _group_counts(session, in_period)
    totals = await _totals(session, in_period, now)
    backlog = await _backlog(session, scope, now)
    rating = (
        await session.execute(
            select(func.avg(Survey.rating), func.count(Survey.id))
            .join(Inquiry, Inquiry.id == Survey.inquiry_id)
            .where(in_period)
        )
    ).one()

    categories = await _category_counts(session, groups["category_id"])
    first = TargetStats(
        median_business_hours=_hours(totals["median_first"]),
        measured=totals["measured_first"],
        met=totals["first_met"],
        missed=totals["first_missed"],
        compliance_percent=_percent(
            totals["first_met"], totals["first_met"] + totals["first_missed"]
        ),
    )
    resolution = TargetStats(
        median_business_hours=_hours(totals["median_resolution"]),
        measured=totals["measured_resolution"],
        met=totals["resolution_met"],
        missed=totals["resolution_missed"],
        compliance_percent=_percent(
            totals["resolution_met"], totals["resolution_met"] + totals["resolution_missed"]
        ),
    )
    met = first.met + resolution.met
    responses = int(rating[1])
    return StatsOut(
        organization_id=root,
        period_from=start,
        period_to=end,
        total=totals["total"],
        by_status={str(k): v for k, v in groups["status"].items()},
        by_kind={str(k): v for k, v in groups["kind"].items()},
        by_channel={str(k): v for k, v in groups["channel"].items()},
        by_priority={str(k): v for k, v in groups["priority"].items()},
        by_category=categories,
        first_response=first,
        resolution=resolution,
        sla_compliance_percent=_percent(met, met + first.missed + resolution.missed),
        backlog_by_age=backlog,
        satisfaction=Satisfaction(
            average_rating=round(float(rating[0]), 2) if rating[0] is not None else None,
            responses=responses,
            resolved=totals["resolved"],
            response_rate_percent=_percent(responses, totals["resolved"]),
        ),
    )


async def _group_counts(session: AsyncSession, where: Any) -> dict[str, dict[Any, int]]:
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


async def _totals(session: AsyncSession, where: Any, now: datetime) -> dict[str, Any]:
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


async def _backlog(session: AsyncSession, scope: Any, now: datetime) -> Backlog:
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
            ).where(scope, Inquiry.status.in_([s.value for s in OPEN_STATES]))
        )
    ).one()
    return Backlog(
        under_1_day=row[0],
        days_1_to_3=row[1],
        days_3_to_7=row[2],
        days_7_to_30=row[3],
        over_30_days=row[4],
        total=row[5],
    )


async def _category_counts(session: AsyncSession, counts: dict[Any, int]) -> list[CategoryCount]:
    ids = [c for c in counts if c is not None]
    names: dict[Any, tuple[str, str | None]] = {}
    if ids:
        rows = await session.execute(
            select(Category.id, Category.name_ar, Category.name_en).where(Category.id.in_(ids))
        )
        names = {r[0]: (r[1], r[2]) for r in rows}
    result = [
        CategoryCount(
            category_id=category_id,
            name_ar=names.get(category_id, (None, None))[0],
            name_en=names.get(category_id, (None, None))[1],
            count=count,
        )
        for category_id, count in counts.items()
    ]
    return sorted(result, key=lambda c: -c.count)
