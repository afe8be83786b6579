"""`/v1/milestones`: change and complete milestones; the overdue list for follow-up."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from services.campaigns.api.deps import Reader, Writer
from services.campaigns.api.initiatives import milestone_out
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.initiatives import MilestoneComplete, MilestoneOut, MilestoneUpdate
from services.campaigns.service import milestones as service
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import check_if_match
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/milestones", tags=["initiatives"])


@router.get(
    "",
    summary="List milestones (follow-up)",
    description="Milestones of the caller's subtree by due date; `overdue=true` lists the "
    "open ones whose due date has passed (S0-5, S1-7), `organization_id` narrows to a "
    "subtree.",
    responses=problems(401, 403, 404, 422),
)
async def list_milestones(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="true: open and past due; false: the others.")
    ] = None,
    completed: Annotated[bool | None, Query()] = None,
    initiative_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[MilestoneOut]:
    filters = service.MilestoneFilters(organization_id, overdue, completed, initiative_id)
    rows, cursor = await service.list_milestones(session, principal, filters, page)
    return Page(items=[milestone_out(m) for m in rows], next_cursor=cursor)


@router.get("/{milestone_id}", summary="Get a milestone", responses=problems(401, 403, 404))
async def get_milestone(
    milestone_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> MilestoneOut:
    return milestone_out(await service.get(session, principal, milestone_id), response)


@router.patch(
    "/{milestone_id}",
    summary="Change a milestone",
    description="Only the fields sent change; the initiative's weights stay within 100. "
    "Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_milestone(
    milestone_id: uuid.UUID,
    body: MilestoneUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> MilestoneOut:
    milestone = await service.get(session, principal, milestone_id)
    check_if_match(request, milestone.id, milestone.updated_at)
    return milestone_out(await service.update(session, principal, milestone, body), response)


@router.post(
    "/{milestone_id}/complete",
    summary="Complete a milestone",
    description="With optional evidence; the initiative's progress (and its parents') is "
    "recomputed. 409 `invalid_state` when already completed.",
    responses=problems(401, 403, 404, 409, 422),
)
async def complete_milestone(
    milestone_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    response: Response,
    body: MilestoneComplete | None = None,
) -> MilestoneOut:
    milestone = await service.get(session, principal, milestone_id)
    completed = await service.complete(session, principal, milestone, body or MilestoneComplete())
    return milestone_out(completed, response)
