"""Milestones: dated and weighted steps; completion with evidence; the overdue sweep."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.errors import conflict
from services.campaigns.models import Initiative, Milestone
from services.campaigns.repository import initiatives as repo
from services.campaigns.repository.base import flush
from services.campaigns.schemas.initiatives import (
    MilestoneComplete,
    MilestoneCreate,
    MilestoneUpdate,
)
from services.campaigns.service.common import (
    SYSTEM,
    record,
    require,
    snapshot,
    visible_organization,
)
from services.campaigns.service.initiatives import recompute
from services.common.attachments.references import Owner, attach
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

MilestoneFilters = repo.MilestoneFilters

FIELDS = ("title_ar", "title_en", "due_date", "weight", "completed_at", "evidence_url")
MAX_TOTAL_WEIGHT = Decimal(100)
SWEEP_BATCH = 200


def _weights_exceed(total: Decimal) -> Exception:
    return conflict(
        "weight",
        f"مجموع أوزان مراحل المبادرة يصبح {total} ويجب ألا يتجاوز 100",
        f"The initiative's milestone weights would add up to {total}; at most 100",
        code="weights_exceed",
    )


async def get(session: AsyncSession, principal: Principal, milestone_id: uuid.UUID) -> Milestone:
    require(principal, "campaigns:read")
    milestone = await repo.milestone_visible(session, principal, milestone_id)
    if milestone is None:
        raise NotFound("المرحلة", "milestone")
    return milestone


async def create(
    session: AsyncSession, principal: Principal, initiative: Initiative, data: MilestoneCreate
) -> Milestone:
    require(principal, "campaigns:write")
    total = await repo.weight_sum(session, initiative.id) + data.weight
    if total > MAX_TOTAL_WEIGHT:
        raise _weights_exceed(total)
    milestone = Milestone(
        id=uuid.uuid4(),
        initiative_id=initiative.id,
        organization_id=initiative.organization_id,
        **data.model_dump(),
    )
    session.add(milestone)
    await flush(session)
    await session.refresh(milestone)
    await record(
        session,
        principal,
        "create",
        "milestone",
        milestone.id,
        milestone.organization_id,
        snapshot(milestone, FIELDS) | {"initiative_id": initiative.id},
    )
    await recompute(session, initiative.id)
    return milestone


async def update(
    session: AsyncSession, principal: Principal, milestone: Milestone, data: MilestoneUpdate
) -> Milestone:
    require(principal, "campaigns:write")
    values = {name: getattr(data, name) for name in data.model_fields_set}
    if "weight" in values:
        total = (
            await repo.weight_sum(session, milestone.initiative_id, milestone.id) + values["weight"]
        )
        if total > MAX_TOTAL_WEIGHT:
            raise _weights_exceed(total)
    before = snapshot(milestone, FIELDS)
    for name, value in values.items():
        setattr(milestone, name, value)
    if "due_date" in values and values["due_date"] != before["due_date"]:
        milestone.overdue_notified_at = None  # a new due date may become overdue again
    await flush(session)
    await session.refresh(milestone)
    changes = diff(before, snapshot(milestone, FIELDS))
    if changes:
        await record(
            session,
            principal,
            "update",
            "milestone",
            milestone.id,
            milestone.organization_id,
            changes,
        )
        if "weight" in changes:
            await recompute(session, milestone.initiative_id)
    return milestone


async def complete(
    session: AsyncSession, principal: Principal, milestone: Milestone, data: MilestoneComplete
) -> Milestone:
    require(principal, "campaigns:write")
    if milestone.completed_at is not None:
        raise InvalidState("complete", "completed")
    milestone.completed_at = clock.now()
    milestone.completed_by = principal.subject
    milestone.evidence_url = data.evidence_url
    await flush(session)
    await attach(
        session,
        data.attachment_ids,
        principal,
        Owner("campaigns", "milestone", milestone.id, milestone.organization_id),
    )
    await session.refresh(milestone)
    await record(
        session,
        principal,
        "complete",
        "milestone",
        milestone.id,
        milestone.organization_id,
        {"evidence_url": data.evidence_url},
    )
    await emit(
        session,
        "milestone.completed",
        aggregate_type="milestone",
        aggregate_id=milestone.id,
        organization_id=milestone.organization_id,
        payload=event_payload(milestone),
    )
    await recompute(session, milestone.initiative_id)
    await session.refresh(milestone)
    return milestone


async def list_milestones(
    session: AsyncSession,
    principal: Principal,
    filters: repo.MilestoneFilters,
    page: PageParams,
) -> tuple[list[Milestone], str | None]:
    require(principal, "campaigns:read")
    if filters.organization_id is not None:
        await visible_organization(session, principal, filters.organization_id, "organization_id")
    return await repo.list_milestones(session, principal, filters, clock.today(), page)


def event_payload(milestone: Milestone) -> dict[str, Any]:
    return {
        "milestone_id": str(milestone.id),
        "initiative_id": str(milestone.initiative_id),
        "organization_id": str(milestone.organization_id),
        "title_ar": milestone.title_ar,
        "due_date": milestone.due_date.isoformat(),
        "weight": str(milestone.weight),
    }


async def sweep_overdue(session: AsyncSession, *, batch: int = SWEEP_BATCH) -> int:
    """Emits `milestone.overdue` once per open milestone whose due date has passed; returns
    how many. For the worker (every few minutes, in its own transaction, which the caller
    commits). Safe with several workers: rows are locked with SKIP LOCKED, and marked."""
    today = clock.today()
    now = clock.now()
    emitted = 0
    while True:
        rows = await repo.due_for_overdue_notice(session, today, batch)
        for milestone in rows:
            milestone.overdue_notified_at = now
            await emit(
                session,
                "milestone.overdue",
                aggregate_type="milestone",
                aggregate_id=milestone.id,
                organization_id=milestone.organization_id,
                payload=event_payload(milestone)
                | {"days_overdue": (today - milestone.due_date).days},
            )
            await record(
                session,
                SYSTEM,
                "overdue",
                "milestone",
                milestone.id,
                milestone.organization_id,
                {"due_date": milestone.due_date},
            )
            emitted += 1
        await session.flush()
        if len(rows) < batch:
            return emitted
