"""SQL for reading the audit trail (services write it through services.common.audit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.models import AuditEntry
from services.common.pagination import PageParams, paginate
from services.directory.repository.base import visible, within


@dataclass(frozen=True)
class AuditFilters:
    organization_id: uuid.UUID | None = None
    service: str | None = None
    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    actor_id: str | None = None
    action: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


async def list_visible(
    session: AsyncSession, principal: Principal, filters: AuditFilters, page: PageParams
) -> tuple[list[AuditEntry], str | None]:
    """Newest first. Entries without an organization are the sector admins' alone."""
    stmt: Select[Any] = select(AuditEntry).where(
        visible(principal, AuditEntry.organization_id),
        within(AuditEntry.organization_id, filters.organization_id),
    )
    for column, value in (
        (AuditEntry.service, filters.service),
        (AuditEntry.resource_type, filters.resource_type),
        (AuditEntry.resource_id, filters.resource_id),
        (AuditEntry.actor_id, filters.actor_id),
        (AuditEntry.action, filters.action),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.occurred_from is not None:
        stmt = stmt.where(AuditEntry.occurred_at >= filters.occurred_from)
    if filters.occurred_to is not None:
        stmt = stmt.where(AuditEntry.occurred_at < filters.occurred_to)
    return await paginate(session, stmt, [AuditEntry.occurred_at, AuditEntry.id], page)
