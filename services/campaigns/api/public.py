"""`/v1/public/initiatives`: anonymous read of published initiatives (S0-2, S0-7)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from services.campaigns.schemas.common import problems
from services.campaigns.schemas.initiatives import PublicInitiativeOut
from services.campaigns.service import initiatives as service
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/public/initiatives", tags=["public"])


@router.get(
    "",
    summary="Published initiatives (anonymous)",
    description="Progress, dates and how many people benefit; no staff data. No token needed.",
    responses=problems(422),
)
async def list_public_initiatives(
    session: SessionDep,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    axis_id: Annotated[uuid.UUID | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title.")] = None,
) -> Page[PublicInitiativeOut]:
    filters = service.InitiativeFilters(organization_id=organization_id, axis_id=axis_id, q=q)
    rows, cursor = await service.public_list(session, filters, page)
    return Page(
        items=[PublicInitiativeOut.model_validate(i, from_attributes=True) for i in rows],
        next_cursor=cursor,
    )


@router.get(
    "/{initiative_id}",
    summary="A published initiative (anonymous)",
    responses=problems(404),
)
async def get_public_initiative(
    initiative_id: uuid.UUID, session: SessionDep
) -> PublicInitiativeOut:
    initiative = await service.public_get(session, initiative_id)
    return PublicInitiativeOut.model_validate(initiative, from_attributes=True)
