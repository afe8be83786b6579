"""What every campaigns use case shares: permissions, the audit call, organization checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.domain.decisions import may_decide
from services.campaigns.errors import invalid, refused, unknown_reference
from services.campaigns.repository import base as repo
from services.common import audit
from services.common.auth import Principal
from services.common.errors import Forbidden

SERVICE = "campaigns"

# The demo loader and the worker act as this principal.
SYSTEM = Principal(
    subject="system", kind="system", organization_id=None, roles=frozenset({"sector_admin"})
)


def require(principal: Principal, permission: str) -> None:
    if not principal.can(permission) and principal.kind != "system":
        raise Forbidden()


def require_sector_admin(principal: Principal) -> None:
    if not principal.is_sector_admin:
        raise Forbidden("يعدّل هذا مدير القطاع فقط", "Only a sector administrator changes this")


async def record(
    session: AsyncSession,
    principal: Principal | None,
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
    session: AsyncSession, principal: Principal, org_id: uuid.UUID, field: str
) -> None:
    """404 naming `field` when the organization is outside the caller's subtree."""
    if not await repo.sees_organization(session, principal, org_id):
        raise unknown_reference(field, "الجهة", "organization")


async def existing_organizations(
    session: AsyncSession, org_ids: Iterable[uuid.UUID], field: str
) -> None:
    """404 naming `field` for an id that names no organization (partners may be outside
    the caller's subtree: another municipality taking part)."""
    for org_id in org_ids:
        if not await repo.organization_exists(session, org_id):
            raise unknown_reference(field, "الجهة", "organization")


async def check_decider(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    submitter: str | None,
) -> None:
    """403 unless the principal may decide on what `organization_id` submitted."""
    chain = await repo.organization_chain(session, organization_id)
    why = may_decide(
        decider=principal.subject,
        decider_roles=principal.roles,
        decider_organization=principal.organization_id,
        submitter=submitter,
        organization_chain=chain,
    )
    if why == "self_decision":
        raise refused(
            "self_decision",
            "لا يمكنك إقرار ما قدّمته بنفسك",
            "You cannot decide on what you submitted yourself",
        )
    if why is not None:
        raise refused(
            "not_above",
            "القرار لرئيس وحدة أو مدير هذه الجهة أو جهة أعلى منها",
            "A unit head or administrator of this organization or above decides",
        )


def snapshot(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


async def check_channels(
    session: AsyncSession, org_id: uuid.UUID, values: Sequence[str], field: str
) -> None:
    """422 naming `field.<i>` for a channel that is neither a kind nor an id of the
    directory's channels of the organization or one above it (the directory's registry:
    a ministry's channels serve everything below it)."""
    if not values:
        return
    ids, kinds = await repo.registered_channels(session, org_id)
    for index, value in enumerate(values):
        if value not in kinds and value.lower() not in ids:
            raise invalid(
                f"{field}.{index}" if field.endswith("s") else field,
                f"القناة «{value}» غير مسجلة في دليل القنوات لهذه الجهة أو الجهات فوقها",
                f"The channel '{value}' is not registered in the directory for the "
                "organization or above it",
            )
