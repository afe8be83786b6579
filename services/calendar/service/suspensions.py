"""Suspension for crises: the approved entries of a subtree and window become
`suspended` (each entry's history names the suspension and its reason); lifting restores
those still suspended by it to `approved`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain.states import Action
from services.calendar.models import Suspension
from services.calendar.repository import suspensions as repo
from services.calendar.repository.base import flush
from services.calendar.schemas.suspensions import SuspensionCreate
from services.calendar.service.common import (
    SYSTEM,
    event,
    now,
    record,
    visible_organization,
)
from services.calendar.service.entries import entry_payload, transition
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound
from services.common.pagination import PageParams

# a crisis event without `suspend_until` (an older producer) suspends this long
CRISIS_SUSPENSION_DEFAULT = timedelta(days=30)


async def create(
    session: AsyncSession,
    principal: Principal,
    data: SuspensionCreate,
    suspension_id: uuid.UUID | None = None,
) -> Suspension:
    await visible_organization(session, principal, data.organization_id, "organization_id")
    suspension = Suspension(
        id=suspension_id or uuid.uuid4(),
        organization_id=data.organization_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        reason=data.reason,
        kinds=list(data.kinds),
        status="active",
        created_by=principal.subject,
    )
    session.add(suspension)
    await flush(session)
    entries = await repo.approved_in(
        session, data.organization_id, data.starts_at, data.ends_at, data.kinds
    )
    for entry in entries:
        await transition(
            session,
            principal,
            entry,
            Action.SUSPEND,
            comment=data.reason,
            suspension_id=suspension.id,
        )
        await event(
            session,
            "calendar.entry.suspended",
            "calendar_entry",
            entry.id,
            entry.organization_id,
            {**entry_payload(entry), "suspension_id": suspension.id, "reason": data.reason},
        )
    suspension.entry_count = len(entries)
    await flush(session)
    await record(
        session,
        principal,
        "create",
        "suspension",
        suspension.id,
        suspension.organization_id,
        {"reason": data.reason, "entries": len(entries)},
    )
    await session.refresh(suspension)
    return suspension


async def lift(session: AsyncSession, principal: Principal, suspension: Suspension) -> Suspension:
    if suspension.status != "active":
        raise InvalidState("lift", suspension.status)
    for entry in await repo.suspended_by(session, suspension.id):
        await transition(
            session,
            principal,
            entry,
            Action.LIFT,
            comment=suspension.reason,
            suspension_id=suspension.id,
        )
        await event(
            session,
            "calendar.entry.resumed",
            "calendar_entry",
            entry.id,
            entry.organization_id,
            {**entry_payload(entry), "suspension_id": suspension.id},
        )
    suspension.status, suspension.lifted_by, suspension.lifted_at = (
        "lifted",
        principal.subject,
        now(),
    )
    await flush(session)
    await record(
        session, principal, "lift", "suspension", suspension.id, suspension.organization_id, {}
    )
    await session.refresh(suspension)
    return suspension


async def get(
    session: AsyncSession, principal: Principal, suspension_id: uuid.UUID, *, lock: bool = False
) -> Suspension:
    found = await repo.get_visible(session, principal, suspension_id, lock=lock)
    if found is None:
        raise NotFound("التعليق", "suspension")
    return found


async def list_visible(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[Suspension], str | None]:
    return await repo.list_visible(session, principal, page)


async def describe(session: AsyncSession, suspension: Suspension) -> dict[str, Any]:
    return {
        "id": suspension.id,
        "organization_id": suspension.organization_id,
        "starts_at": suspension.starts_at,
        "ends_at": suspension.ends_at,
        "reason": suspension.reason,
        "kinds": list(suspension.kinds),
        "status": suspension.status,
        "entry_count": suspension.entry_count,
        "entry_ids": await repo.entry_ids_of(session, suspension.id),
        "created_by": suspension.created_by,
        "lifted_by": suspension.lifted_by,
        "lifted_at": suspension.lifted_at,
        "created_at": suspension.created_at,
        "updated_at": suspension.updated_at,
    }


class CrisisNotSuspendedYet(RuntimeError):
    """A `crisis.closed` handled before its `crisis.activated`: the event is retried."""


async def suspend_for_crisis(session: AsyncSession, payload: dict[str, Any]) -> Suspension | None:
    """`crisis.activated` with `suspend_calendar`: the scope's approved entries from the
    activation to `suspend_until` are suspended by a suspension whose id is the
    activation's (so a redelivered event finds it and changes nothing)."""
    if not payload.get("suspend_calendar"):
        return None
    activation_id = uuid.UUID(str(payload["activation_id"]))
    existing = await session.get(Suspension, activation_id)
    if existing is not None:
        return existing
    starts_at = datetime.fromisoformat(str(payload["activated_at"]))
    until = payload.get("suspend_until")
    ends_at = datetime.fromisoformat(str(until)) if until else starts_at + CRISIS_SUSPENSION_DEFAULT
    scenario = str(payload.get("reason") or "").strip()
    reason = f"أزمة: {scenario}" if scenario else "تفعيل خطة أزمة"
    data = SuspensionCreate.model_validate(
        {
            "organization_id": payload["organization_id"],
            "from": starts_at,
            "to": ends_at,
            "reason": reason[:2000],
        }
    )
    return await create(session, SYSTEM, data, suspension_id=activation_id)


async def lift_for_crisis(session: AsyncSession, payload: dict[str, Any]) -> None:
    """`crisis.closed`: the activation's suspension is lifted (once)."""
    if not payload.get("suspend_calendar"):
        return
    found = await repo.get_for_update(session, uuid.UUID(str(payload["activation_id"])))
    if found is None:
        raise CrisisNotSuspendedYet(str(payload["activation_id"]))
    if found.status == "active":
        await lift(session, SYSTEM, found)
