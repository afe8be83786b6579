"""SLA rules: targets, due times in business hours, pauses, transfers and breaches.

- Targets (business minutes) come from the policy `repository.catalog.find_policy` picks
  (the category's own policy, else the nearest organization up the tree, most specific
  first; read by `service/sla.py`, which also sweeps the breaches) and are snapshotted
  on the inquiry; without a policy, `DEFAULT_TARGETS` apply.
- The clock starts when the inquiry is created. Due time = start + target + paused time,
  counted in the owning organization's business calendar (time zone, weekend, working
  hours, holidays of the organization and its ancestors).
- The clock pauses in `awaiting_citizen`: the business minutes spent there are added to
  `paused_minutes` when the inquiry leaves that state, which moves both due times.
- Media requests: both due times are capped at the journalist's `deadline` (wall-clock).
- Transfer: the clock keeps running from creation (the citizen has waited all along); the
  targets are those of the receiving organization's policies and the due times are
  recomputed in its calendar.
- "At risk" = 80 % of the running target's business time has elapsed.
- A target is breached when its due time passes before it is met, or when it is met late.
  `inquiry.sla_breached` is emitted once per target (first response, resolution).
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.common.orgtree import WorkCalendar
from services.inquiries.domain.business_hours import (
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
)
from services.inquiries.domain.states import RUNNING_STATES, Status
from services.inquiries.models import Inquiry, InquiryLike

logger = logging.getLogger("govhub.inquiries.sla")

AT_RISK_SHARE = 0.8

# (first response, resolution) in business minutes by priority, when no policy applies
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    "urgent": (60, 8 * 60),
    "high": (4 * 60, 3 * 8 * 60),
    "normal": (8 * 60, 5 * 8 * 60),
    "low": (2 * 8 * 60, 10 * 8 * 60),
}
# media requests (S0-3) are answered within the day
DEFAULT_MEDIA_TARGETS: dict[str, tuple[int, int]] = {
    "urgent": (30, 2 * 60),
    "high": (60, 4 * 60),
    "normal": (2 * 60, 8 * 60),
    "low": (4 * 60, 16 * 60),
}


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int
    resolution_minutes: int
    policy_id: uuid.UUID | None


def business_calendar(work: WorkCalendar) -> BusinessCalendar:
    try:
        return BusinessCalendar(
            timezone=work.timezone,
            weekend=frozenset(work.weekend),
            work_start=work.work_start,
            work_end=work.work_end,
            holidays=work.holidays,
        )
    except (ValueError, KeyError):
        logger.warning(
            "organization %s has an unusable calendar; using defaults", work.organization_id
        )
        return BusinessCalendar(holidays=work.holidays)


def targets_of(policy: Any, kind: str, priority: str) -> Targets:
    """The targets of `policy` (a policy row, or None for the defaults)."""
    if policy is not None:
        return Targets(policy.first_response_minutes, policy.resolution_minutes, policy.id)
    table = DEFAULT_MEDIA_TARGETS if kind == "media_request" else DEFAULT_TARGETS
    first, resolution = table[priority]
    return Targets(first, resolution, None)


def apply_targets(inquiry: InquiryLike, targets: Targets) -> None:
    inquiry.first_response_target_minutes = targets.first_response_minutes
    inquiry.resolution_target_minutes = targets.resolution_minutes
    inquiry.sla_policy_id = targets.policy_id


def _due_and_risk(
    calendar: BusinessCalendar,
    start: datetime,
    target: int,
    paused: int,
    deadline: datetime | None,
) -> tuple[datetime, datetime]:
    due = add_business_minutes(calendar, start, target + paused)
    risk = add_business_minutes(calendar, start, math.floor(target * AT_RISK_SHARE) + paused)
    if deadline is not None and deadline < due:
        due = max(deadline, start)
        risk = min(risk, start + (due - start) * AT_RISK_SHARE)
    return due, risk


def schedule(inquiry: InquiryLike, calendar: BusinessCalendar) -> None:
    """Recomputes the due times and the live clock from the targets, start and pauses."""
    start, paused = inquiry.sla_started_at, inquiry.paused_minutes
    first_due, first_risk = _due_and_risk(
        calendar, start, inquiry.first_response_target_minutes, paused, inquiry.deadline
    )
    resolution_due, resolution_risk = _due_and_risk(
        calendar, start, inquiry.resolution_target_minutes, paused, inquiry.deadline
    )
    inquiry.first_response_due = first_due
    inquiry.resolution_due = resolution_due
    if inquiry.status not in RUNNING_STATES:
        inquiry.sla_due_at = inquiry.sla_risk_at = None
    elif inquiry.first_response_at is None and first_due <= resolution_due:
        inquiry.sla_due_at, inquiry.sla_risk_at = first_due, first_risk
    else:
        inquiry.sla_due_at, inquiry.sla_risk_at = resolution_due, resolution_risk
    refresh_alarm(inquiry)


def refresh_alarm(inquiry: InquiryLike) -> None:
    """The next instant the worker must look at: the earliest due time not yet reported."""
    if inquiry.status not in RUNNING_STATES:
        inquiry.sla_alarm_at = None
        return
    pending = []
    if inquiry.first_response_at is None and not inquiry.first_response_breach_notified:
        pending.append(inquiry.first_response_due)
    if not inquiry.resolution_breach_notified:
        pending.append(inquiry.resolution_due)
    inquiry.sla_alarm_at = min(pending) if pending else None


def pause(inquiry: Inquiry, now: datetime) -> None:
    if inquiry.paused_at is None:
        inquiry.paused_at = now


def resume(inquiry: Inquiry, calendar: BusinessCalendar, now: datetime) -> None:
    if inquiry.paused_at is not None:
        inquiry.paused_minutes += business_minutes_between(calendar, inquiry.paused_at, now)
        inquiry.paused_at = None


def elapsed_minutes(inquiry: Inquiry, calendar: BusinessCalendar, until: datetime) -> int:
    """Business minutes the clock has run from the start to `until`, pauses excluded."""
    total = business_minutes_between(calendar, inquiry.sla_started_at, until)
    return max(total - inquiry.paused_minutes, 0)


def breached_targets(inquiry: Inquiry, now: datetime) -> list[str]:
    """Targets newly breached (not yet reported): marks them reported and the inquiry
    breached; the caller emits one `inquiry.sla_breached` per returned target."""
    found: list[str] = []
    running = inquiry.status in RUNNING_STATES
    finished_at = (
        inquiry.resolved_at if inquiry.status in (Status.RESOLVED, Status.CLOSED) else None
    )
    checks = (
        (
            "first_response",
            inquiry.first_response_at,
            inquiry.first_response_due,
            inquiry.first_response_breach_notified,
        ),
        ("resolution", finished_at, inquiry.resolution_due, inquiry.resolution_breach_notified),
    )
    for target, met_at, due, notified in checks:
        if notified:
            continue
        late = met_at > due if met_at is not None else running and now >= due
        if late:
            found.append(target)
            inquiry.sla_breached = True
            if target == "first_response":
                inquiry.first_response_breach_notified = True
            else:
                inquiry.resolution_breach_notified = True
    refresh_alarm(inquiry)
    return found


def breach_payload(inquiry: Inquiry, target: str) -> dict[str, object]:
    due = inquiry.first_response_due if target == "first_response" else inquiry.resolution_due
    return {
        "id": str(inquiry.id),
        "reference": inquiry.reference,
        "organization_id": str(inquiry.organization_id),
        "target": target,
        "due_at": due.isoformat(),
        "status": inquiry.status,
        "priority": inquiry.priority,
        "kind": inquiry.kind,
    }


def sla_state(inquiry: Inquiry, now: datetime) -> str:
    if inquiry.status == Status.REJECTED:
        return "stopped"
    if inquiry.status in (Status.RESOLVED, Status.CLOSED):
        return "missed" if inquiry.sla_breached else "met"
    if inquiry.paused_at is not None:
        return "paused"
    if inquiry.sla_breached or (inquiry.sla_due_at is not None and inquiry.sla_due_at <= now):
        return "breached"
    if inquiry.sla_risk_at is not None and inquiry.sla_risk_at <= now:
        return "at_risk"
    return "on_track"


def survey_closes_at(inquiry: Inquiry, days: int) -> datetime | None:
    if inquiry.resolved_at is None:
        return None
    return inquiry.resolved_at + timedelta(days=days)
