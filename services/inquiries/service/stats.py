"""KPIs for an organization subtree and a period, computed by SQL aggregates.

Met / missed per target come from the breach flags the SLA logic keeps (a target is missed
when it was met late or is still open past its due time); medians use the business minutes
recorded when the target was met, so they honour each organization's calendar and pauses.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import ValidationFailed
from services.common.orgtree import ensure_visible
from services.inquiries import clock
from services.inquiries.repository import inquiries as repository
from services.inquiries.repository import stats as sql
from services.inquiries.schemas.stats import (
    Backlog,
    CategoryCount,
    Satisfaction,
    StatsOut,
    TargetStats,
)
from services.inquiries.service.inquiries import require

DEFAULT_PERIOD = timedelta(days=30)


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
    scope = sql.scope(org_ids, tag)
    in_period = sql.created_between(scope, start, end)

    groups = await sql.group_counts(session, in_period)
    totals = await sql.totals(session, in_period, now)
    bands = await sql.backlog(session, scope, now)
    backlog = Backlog(
        under_1_day=bands[0],
        days_1_to_3=bands[1],
        days_3_to_7=bands[2],
        days_7_to_30=bands[3],
        over_30_days=bands[4],
        total=bands[5],
    )
    average_rating, responses = await sql.rating(session, in_period)

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
            average_rating=round(average_rating, 2) if average_rating is not None else None,
            responses=responses,
            resolved=totals["resolved"],
            response_rate_percent=_percent(responses, totals["resolved"]),
        ),
    )


async def _category_counts(session: AsyncSession, counts: dict[Any, int]) -> list[CategoryCount]:
    names = await sql.category_names(session, [c for c in counts if c is not None])
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
