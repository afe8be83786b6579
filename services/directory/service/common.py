"""What every directory domain module shares: the system principal and the audit call."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.auth import Principal
from services.common.errors import NotFound
from services.directory.errors import unknown_reference
from services.directory.models import Organization
from services.directory.repository import organizations as org_repo

SERVICE = "directory"

# The bootstrap acts as this principal: a sector_admin with no organization.
SYSTEM = Principal(
    subject="system", kind="system", organization_id=None, roles=frozenset({"sector_admin"})
)


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


async def visible_organization(
    session: AsyncSession, principal: Principal, org_id: uuid.UUID, field: str | None = None
) -> Organization:
    """The organization if the principal sees it; else 404 (naming `field` when it came from
    the request body or query)."""
    org = await org_repo.get_visible(session, principal, org_id)
    if org is None:
        raise unknown_reference(field) if field else NotFound("الجهة", "organization")
    return org


def state_action(changes: dict[str, Any]) -> str:
    """`disable` / `enable` when `active` flipped, else `update`."""
    if "active" in changes:
        return "enable" if changes["active"][1] else "disable"
    return "update"
