"""`/v1/audit`: the audit trail of the caller's subtree."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query

from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.pagination import Page, PageDep
from services.directory.schemas.audit import AuditEntryOut
from services.directory.schemas.common import problems
from services.directory.service import audit as audit_trail
from services.directory.service.common import visible_organization

router = new_router(prefix="/v1/audit", tags=["audit"])


@router.get(
    "",
    summary="Read the audit trail",
    description="Every create, update, state change and delete written by any govhub service "
    "for the caller's subtree (org_admin and sector_admin; entries without an organization "
    "only for a sector_admin), newest first, keyset-paginated on (occurred_at, id).",
    responses=problems(401, 403, 404, 422),
)
async def list_audit_entries(
    session: SessionDep,
    principal: Annotated[Principal, require("audit:read")],
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    service: Annotated[
        str | None, Query(max_length=30, description="directory, inquiries, …")
    ] = None,
    resource_type: Annotated[
        str | None, Query(max_length=60, description="organization, user, …")
    ] = None,
    resource_id: Annotated[uuid.UUID | None, Query(description="One resource.")] = None,
    actor_id: Annotated[
        str | None, Query(max_length=200, description="User id or client_id.")
    ] = None,
    action: Annotated[str | None, Query(max_length=60, description="create, update, …")] = None,
    occurred_from: Annotated[
        datetime | None, Query(alias="from", description="At or after (RFC 3339).")
    ] = None,
    occurred_to: Annotated[
        datetime | None, Query(alias="to", description="Before (RFC 3339).")
    ] = None,
) -> Page[AuditEntryOut]:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    filters = audit_trail.AuditFilters(
        organization_id=organization_id,
        service=service,
        resource_type=resource_type,
        resource_id=resource_id,
        actor_id=actor_id,
        action=action,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    rows, cursor = await audit_trail.list_visible(session, principal, filters, page)
    return Page(items=[AuditEntryOut.model_validate(r) for r in rows], next_cursor=cursor)
