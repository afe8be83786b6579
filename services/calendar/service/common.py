"""What every calendar use case shares: the system principal, audit, events, time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.errors import unknown_reference
from services.calendar.repository import directory as directory_repo
from services.common import audit
from services.common.auth import Principal
from services.common.orgtree import DEFAULT_TIMEZONE, can_see
from services.common.outbox import emit

SERVICE = "calendar"

# demo loading, event handlers and periodic jobs act as this principal
SYSTEM = Principal(
    subject="system", kind="system", organization_id=None, roles=frozenset({"sector_admin"})
)


def now() -> datetime:
    return datetime.now(UTC)


async def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
) -> None:
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        organization_id=organization_id,
        changes=changes,
    )


async def event(
    session: AsyncSession,
    event_type: str,
    aggregate_type: str,
    aggregate_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    payload: dict[str, Any],
) -> None:
    await emit(
        session,
        event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        organization_id=organization_id,
        payload=audit._jsonable(payload),
    )


async def visible_organization(
    session: AsyncSession, principal: Principal, org_id: uuid.UUID, field: str
) -> None:
    """404 naming `field` when the caller does not see the organization."""
    if not await can_see(session, principal, org_id):
        raise unknown_reference(field, "الجهة", "organization")


async def timezone_for(session: AsyncSession, org_id: uuid.UUID) -> str:
    return await directory_repo.timezone_of(session, org_id) or DEFAULT_TIMEZONE
