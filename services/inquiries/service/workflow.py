"""Workflow actions and the staff timeline. Every state change goes through `transition`,
which consults the table in `domain/states.py`, keeps the SLA clock, records the history, the
audit entry and the outbox events in the request's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.auth import Principal
from services.common.errors import Forbidden, ValidationFailed
from services.common.orgtree import can_see
from services.common.outbox import emit
from services.inquiries import clock
from services.inquiries.domain import sla
from services.inquiries.domain.business_hours import BusinessCalendar
from services.inquiries.domain.states import Action, Status, next_status
from services.inquiries.errors import (
    SameOrganization,
    UnknownAssignee,
    UnknownCategory,
    UnknownOrganization,
)
from services.inquiries.models import Inquiry, Message
from services.inquiries.repository import catalog as repository_catalog
from services.inquiries.repository import inquiries as repository
from services.inquiries.schemas.inquiries import (
    AssignIn,
    CloseIn,
    MessageCreate,
    ReasonIn,
    RejectIn,
    ResolveIn,
    TransferIn,
    Visibility,
)
from services.inquiries.service import sla as sla_service
from services.inquiries.service.inquiries import (
    SERVICE,
    Precondition,
    actor,
    emit_breaches,
    event_payload,
    load_visible,
    record_event,
    require,
)


async def transition(
    session: AsyncSession,
    inquiry: Inquiry,
    action: Action,
    *,
    principal: Principal | None,
    calendar: BusinessCalendar,
    now: datetime,
    details: dict[str, Any] | None = None,
    actor_type: str | None = None,
) -> str:
    """Moves the inquiry per the table (409 if not allowed); returns the previous state.
    The actor is the principal (or `actor_type`, e.g. the citizen, when there is none).
    The caller applies its own changes, then calls `settle`."""
    default_type, actor_id = actor(principal)
    actor_type = actor_type or default_type
    before = inquiry.status
    after = next_status(action, before)
    if before == Status.AWAITING_CITIZEN and after != Status.AWAITING_CITIZEN:
        sla.resume(inquiry, calendar, now)
    if after == Status.AWAITING_CITIZEN and before != Status.AWAITING_CITIZEN:
        sla.pause(inquiry, now)
    inquiry.status = after.value
    inquiry.updated_at = now
    await record_event(
        session,
        inquiry,
        action.value,
        before,
        now,
        actor_type=actor_type,
        actor_id=actor_id,
        details=details,
    )
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action=action.value,
        resource_type="inquiry",
        resource_id=inquiry.id,
        organization_id=inquiry.organization_id,
        changes={"status": [before, after.value], **(details or {})},
    )
    if before != after:
        await emit(
            session,
            "inquiry.status_changed",
            aggregate_type="inquiry",
            aggregate_id=inquiry.id,
            payload=event_payload(
                inquiry, previous_status=before, action=action.value, changed_at=now.isoformat()
            ),
            organization_id=inquiry.organization_id,
        )
    return before


async def settle(
    session: AsyncSession, inquiry: Inquiry, calendar: BusinessCalendar, now: datetime
) -> None:
    """Re-schedules the SLA after a change and reports targets it finds breached."""
    inquiry.updated_at = now  # set on every write, so the kernel's onupdate never fires
    sla.schedule(inquiry, calendar)
    await emit_breaches(session, inquiry, now)
    await session.flush()


def record_first_response(inquiry: Inquiry, calendar: BusinessCalendar, now: datetime) -> None:
    if inquiry.first_response_at is None:
        inquiry.first_response_at = now
        inquiry.first_response_business_minutes = sla.elapsed_minutes(inquiry, calendar, now)


def add_message(
    session: AsyncSession,
    inquiry: Inquiry,
    visibility: str,
    author_type: str,
    author_id: str | None,
    body: str,
    now: datetime,
) -> Message:
    message = Message(
        id=uuid.uuid4(),
        inquiry_id=inquiry.id,
        visibility=visibility,
        author_type=author_type,
        author_id=author_id,
        body=body,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    return message


async def _begin(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    permission: str,
    precondition: Precondition | None,
) -> tuple[Inquiry, BusinessCalendar, datetime]:
    require(principal, permission)
    inquiry = await load_visible(session, principal, inquiry_id, lock=True)
    if precondition is not None:
        precondition(inquiry.id, inquiry.updated_at)
    calendar = await sla_service.calendar_for(session, inquiry.organization_id)
    return inquiry, calendar, clock.now()


# --- the timeline --------------------------------------------------------------------------


async def post_message(
    session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID, body: MessageCreate
) -> Message:
    """An internal note (any state), or a public reply: the first one sets
    `first_response_at`; with `await_citizen` it waits for the citizen (clock paused)."""
    inquiry, calendar, now = await _begin(session, principal, inquiry_id, "inquiries:write", None)
    actor_id = principal.subject
    if body.visibility == Visibility.INTERNAL:
        if body.await_citizen:
            raise ValidationFailed(
                "await_citizen",
                "الانتظار يكون مع رد عام فقط",
                "Only a public reply can wait for the citizen",
            )
        message = add_message(session, inquiry, "internal", "staff", actor_id, body.body, now)
        inquiry.updated_at = now
        await session.flush()
        await audit.record(
            session,
            service=SERVICE,
            principal=principal,
            action="note",
            resource_type="inquiry",
            resource_id=inquiry.id,
            organization_id=inquiry.organization_id,
            changes={"message_id": message.id},
        )
        return message
    action = Action.REQUEST_INFO if body.await_citizen else Action.REPLY
    message = add_message(session, inquiry, "public", "staff", actor_id, body.body, now)
    await transition(
        session,
        inquiry,
        action,
        principal=principal,
        calendar=calendar,
        now=now,
        details={"message_id": str(message.id)},
    )
    record_first_response(inquiry, calendar, now)
    await settle(session, inquiry, calendar, now)
    await emit(
        session,
        "inquiry.replied",
        aggregate_type="inquiry",
        aggregate_id=inquiry.id,
        payload=event_payload(
            inquiry,
            message_id=str(message.id),
            replied_at=now.isoformat(),
            awaiting_citizen=bool(body.await_citizen),
        ),
        organization_id=inquiry.organization_id,
    )
    return message


# --- actions -------------------------------------------------------------------------------


async def assign(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: AssignIn,
    precondition: Precondition,
) -> Inquiry:
    """Coordinators assign anyone of the owning subtree; staff may take an inquiry."""
    require(principal, "inquiries:write")
    if not principal.can("inquiries:assign") and str(body.assignee_id) != principal.subject:
        raise Forbidden()
    inquiry, calendar, now = await _begin(
        session, principal, inquiry_id, "inquiries:write", precondition
    )
    if not await repository.is_active_staff_below(
        session, body.assignee_id, inquiry.organization_id
    ):
        raise UnknownAssignee()
    await transition(
        session,
        inquiry,
        Action.ASSIGN,
        principal=principal,
        calendar=calendar,
        now=now,
        details={"assignee_id": str(body.assignee_id)},
    )
    inquiry.assignee_id = body.assignee_id
    inquiry.assigned_at = now
    await settle(session, inquiry, calendar, now)
    return inquiry


async def transfer(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: TransferIn,
    precondition: Precondition,
) -> tuple[Inquiry, bool]:
    """Moves the inquiry to another organization (anywhere in the hub: S4-2). Returns it and
    whether the caller still sees it. SLA rule: see `domain/sla.py` (the clock keeps running)."""
    inquiry, old_calendar, now = await _begin(
        session, principal, inquiry_id, "inquiries:assign", precondition
    )
    target = body.organization_id
    if await repository.organization_row(session, target) is None:
        raise UnknownOrganization()
    if target == inquiry.organization_id:
        raise SameOrganization()
    category_id = inquiry.category_id
    if body.category_id is not None:
        category = await repository_catalog.get_category(session, body.category_id)
        if (
            category is None
            or not category.active
            or not await repository_catalog.is_within(session, target, category.organization_id)
        ):
            raise UnknownCategory()
        category_id = category.id
    elif category_id is not None:
        current = await repository_catalog.get_category(session, category_id)
        if current is None or not await repository_catalog.is_within(
            session, target, current.organization_id
        ):
            category_id = None  # the old category does not apply in the new organization
    source = inquiry.organization_id
    details = {
        "from_organization_id": str(source),
        "to_organization_id": str(target),
        "reason": body.reason,
    }
    # the pause (if any) is measured in the calendar it was spent in
    await transition(
        session,
        inquiry,
        Action.TRANSFER,
        principal=principal,
        calendar=old_calendar,
        now=now,
        details=details,
    )
    inquiry.organization_id = target
    inquiry.category_id = category_id
    inquiry.assignee_id = None
    inquiry.assigned_at = None
    inquiry.transfer_count += 1
    targets = await sla_service.targets_for(
        session, target, category_id, inquiry.kind, inquiry.priority
    )
    sla.apply_targets(inquiry, targets)
    await settle(session, inquiry, await sla_service.calendar_for(session, target), now)
    await emit(
        session,
        "inquiry.transferred",
        aggregate_type="inquiry",
        aggregate_id=inquiry.id,
        payload=event_payload(inquiry, from_organization_id=str(source), reason=body.reason),
        organization_id=target,
    )
    return inquiry, await can_see(session, principal, target)


async def resolve(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: ResolveIn,
    precondition: Precondition,
) -> Inquiry:
    inquiry, calendar, now = await _begin(
        session, principal, inquiry_id, "inquiries:write", precondition
    )
    actor_id = principal.subject
    await transition(
        session,
        inquiry,
        Action.RESOLVE,
        principal=principal,
        calendar=calendar,
        now=now,
    )
    add_message(session, inquiry, "public", "staff", actor_id, body.resolution, now)
    inquiry.resolution = body.resolution
    inquiry.resolved_at = now
    record_first_response(inquiry, calendar, now)
    inquiry.resolution_business_minutes = sla.elapsed_minutes(inquiry, calendar, now)
    await settle(session, inquiry, calendar, now)
    await emit(
        session,
        "inquiry.resolved",
        aggregate_type="inquiry",
        aggregate_id=inquiry.id,
        payload=event_payload(
            inquiry, resolved_at=now.isoformat(), resolution_due=inquiry.resolution_due.isoformat()
        ),
        organization_id=inquiry.organization_id,
    )
    return inquiry


async def reopen(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: ReasonIn,
    precondition: Precondition,
) -> Inquiry:
    inquiry, calendar, now = await _begin(
        session, principal, inquiry_id, "inquiries:write", precondition
    )
    actor_id = principal.subject
    await transition(
        session,
        inquiry,
        Action.REOPEN,
        principal=principal,
        calendar=calendar,
        now=now,
        details={"reason": body.reason},
    )
    add_message(session, inquiry, "internal", "staff", actor_id, body.reason, now)
    inquiry.resolved_at = inquiry.closed_at = None
    inquiry.resolution_business_minutes = None
    inquiry.rejection_reason = None
    inquiry.duplicate_of = None
    await settle(session, inquiry, calendar, now)
    return inquiry


async def close(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: CloseIn,
    precondition: Precondition,
) -> Inquiry:
    inquiry, calendar, now = await _begin(
        session, principal, inquiry_id, "inquiries:write", precondition
    )
    actor_id = principal.subject
    await transition(
        session,
        inquiry,
        Action.CLOSE,
        principal=principal,
        calendar=calendar,
        now=now,
    )
    if body.note:
        add_message(session, inquiry, "internal", "staff", actor_id, body.note, now)
    inquiry.closed_at = now
    await settle(session, inquiry, calendar, now)
    return inquiry


async def reject(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: RejectIn,
    precondition: Precondition,
) -> Inquiry:
    inquiry, calendar, now = await _begin(
        session, principal, inquiry_id, "inquiries:write", precondition
    )
    if body.duplicate_of is not None:
        original = await repository.get(session, body.duplicate_of)
        if (
            original is None
            or original.id == inquiry.id
            or not await can_see(session, principal, original.organization_id)
        ):
            raise ValidationFailed(
                "duplicate_of", "الطلب الأصلي غير موجود", "No such original inquiry"
            )
    details: dict[str, Any] = {"reason": body.reason}
    if body.duplicate_of is not None:
        details["duplicate_of"] = str(body.duplicate_of)
    await transition(
        session,
        inquiry,
        Action.REJECT,
        principal=principal,
        calendar=calendar,
        now=now,
        details=details,
    )
    inquiry.rejection_reason = body.reason
    inquiry.duplicate_of = body.duplicate_of
    inquiry.closed_at = now
    await settle(session, inquiry, calendar, now)
    return inquiry
