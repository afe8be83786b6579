"""Built-in inquiry KPIs (first-response and resolution SLA compliance, satisfaction,
volume) per organization subtree and period, without anyone typing a value.

The worker feeds `campaign_inquiry_fact` from the inquiries service's events (this
service never reads that service's tables): `inquiry.created` (owner, creation time),
`inquiry.replied` and `inquiry.resolved` (the first response is the earlier of the first
reply and the resolution), `inquiry.status_changed` (a reopen clears the resolution),
`inquiry.transferred` (the new owner), `inquiry.sla_breached` (a target missed, as the
inquiries service's sweep reported it) and `inquiry.survey_submitted` (the rating). Each
handler is one idempotent upsert, whatever order the events arrive in. The figures are
those of `GET /v1/inquiries/stats` for the same organization and period once the sweep
has reported the breaches due.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, null
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.domain.periods import bounds, frequency_of
from services.campaigns.models import InquiryFact
from services.campaigns.repository import inquiry_facts as repo
from services.campaigns.schemas.inquiry_kpis import InquiryKpisOut, TargetFigures
from services.campaigns.service.common import require, visible_organization
from services.common.auth import Principal
from services.common.orgtree import work_calendar
from services.common.outbox import Event

logger = logging.getLogger("govhub.campaigns")


def _time(payload: dict[str, Any], name: str) -> datetime | None:
    value = payload.get(name)
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


async def record(session: AsyncSession, event: Event) -> None:
    """Applies one inquiries event to its inquiry's facts."""
    payload = event.payload
    try:
        inquiry_id = uuid.UUID(str(payload.get("id") or event.aggregate_id))
        owner = uuid.UUID(str(payload.get("organization_id") or event.organization_id))
    except ValueError:
        # not an inquiry as the event catalog describes it: nothing to count, and the
        # event's other handlers must not be held back by it
        logger.warning("%s %s without an inquiry or its organization", event.event_type, event.id)
        return
    status = str(payload.get("status") or "new")
    values: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    keep_owner = False
    kind = event.event_type
    if kind == "inquiry.created":
        created = _time(payload, "created_at")
        if created is None:
            return
        values["created_at"] = changes["created_at"] = created
        keep_owner = True  # any other event of it is newer
    elif kind == "inquiry.replied":
        if payload.get("replied_at") is None:
            return
        values["first_response_at"] = _time(payload, "replied_at")
        changes["first_response_at"] = func.least(
            InquiryFact.first_response_at, repo.excluded("first_response_at")
        )
    elif kind == "inquiry.resolved":
        resolved = _time(payload, "resolved_at")
        if resolved is None:
            return
        values["resolved_at"] = values["first_response_at"] = resolved
        changes["resolved_at"] = repo.excluded("resolved_at")
        changes["first_response_at"] = func.least(
            InquiryFact.first_response_at, repo.excluded("first_response_at")
        )
    elif kind == "inquiry.status_changed":
        if payload.get("action") == "reopen":
            changes["resolved_at"] = null()
    elif kind == "inquiry.sla_breached":
        column = (
            "first_response_breached"
            if payload.get("target") == "first_response"
            else "resolution_breached"
        )
        values[column] = changes[column] = True
    elif kind == "inquiry.survey_submitted":
        if payload.get("rating") is None:
            return
        values["rating"] = changes["rating"] = int(payload["rating"])
    await repo.upsert(session, inquiry_id, owner, status, values, changes, keep_owner=keep_owner)


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


async def _timezone(session: AsyncSession, organization_id: uuid.UUID) -> str:
    return (await work_calendar(session, organization_id)).timezone


def _window(period: str, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of the period's days in the organization's time zone."""
    first_day, last_day = bounds(period)
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time(), zone)
    return start, datetime.combine(last_day.fromordinal(last_day.toordinal() + 1), time(), zone)


async def inquiry_kpis(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID, period: str
) -> InquiryKpisOut:
    require(principal, "campaigns:read")
    await visible_organization(session, principal, organization_id, "organization_id")
    assert frequency_of(period) is not None  # checked by the schema
    start, end = _window(period, await _timezone(session, organization_id))
    row = await repo.figures(session, organization_id, start, end)
    average = row["average_rating"]
    return InquiryKpisOut(
        organization_id=organization_id,
        period=period,
        period_from=start,
        period_to=end,
        volume=int(row["total"]),
        first_response=TargetFigures(
            met=int(row["first_met"]),
            missed=int(row["first_missed"]),
            compliance_percent=_percent(
                int(row["first_met"]), int(row["first_met"]) + int(row["first_missed"])
            ),
        ),
        resolution=TargetFigures(
            met=int(row["resolution_met"]),
            missed=int(row["resolution_missed"]),
            compliance_percent=_percent(
                int(row["resolution_met"]),
                int(row["resolution_met"]) + int(row["resolution_missed"]),
            ),
        ),
        satisfaction_average=(round(float(Decimal(average)), 2) if average is not None else None),
        satisfaction_responses=int(row["responses"]),
        resolved=int(row["resolved"]),
    )


# --- built-in KPIs (a KPI whose `source` names one of these figures) -------------------


def figure_of(source: str, row: dict[str, Any]) -> Decimal | None:
    """The value of a built-in KPI from the figures of its subtree and period."""
    if source == "inquiries.volume":
        return Decimal(int(row["total"]))
    if source == "inquiries.satisfaction":
        average = row["average_rating"]
        return round(Decimal(average), 4) if average is not None else None
    met, missed = (
        (int(row["first_met"]), int(row["first_missed"]))
        if source == "inquiries.first_response"
        else (int(row["resolution_met"]), int(row["resolution_missed"]))
    )
    return round(Decimal(100 * met) / Decimal(met + missed), 4) if met + missed else None


async def builtin_figures(
    session: AsyncSession, organization_id: uuid.UUID, period: str
) -> dict[str, Any]:
    """The figures of the subtree of `organization_id` for the inquiries created in the
    period (its days in the organization's time zone)."""
    start, end = _window(period, await _timezone(session, organization_id))
    return await repo.figures(session, organization_id, start, end)


async def builtin_periods(
    session: AsyncSession, organization_id: uuid.UUID, frequency: str, limit: int = 36
) -> list[str]:
    """The latest periods of `frequency` in which the subtree received inquiries."""
    timezone = await _timezone(session, organization_id)
    return await repo.periods_with_facts(session, organization_id, timezone, frequency, limit)
