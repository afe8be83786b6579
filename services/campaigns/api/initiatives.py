"""`/v1/initiatives`: the tree of programmes and initiatives, their milestones and
beneficiaries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.campaigns import clock
from services.campaigns.api.deps import Reader, Writer
from services.campaigns.models import Initiative, Milestone
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.initiatives import (
    BeneficiariesIn,
    BeneficiariesOut,
    BeneficiaryOut,
    InitiativeCreate,
    InitiativeOut,
    InitiativeStatus,
    InitiativeUpdate,
    MilestoneCreate,
    MilestoneOut,
)
from services.campaigns.service import initiatives as service
from services.campaigns.service import milestones as milestones_service
from services.common import highlight, search
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

INITIATIVE_HIT = highlight.hit_model(InitiativeOut)
SEARCHED_FIELDS = ("code", "title_ar", "title_en", "description_ar")

router = new_router(prefix="/v1/initiatives", tags=["initiatives"])


def initiative_out(initiative: Initiative, response: Response | None = None) -> InitiativeOut:
    if response is not None:
        set_etag(response, initiative.id, initiative.updated_at)
    return InitiativeOut.model_validate(initiative, from_attributes=True)


def milestone_out(milestone: Milestone, response: Response | None = None) -> MilestoneOut:
    if response is not None:
        set_etag(response, milestone.id, milestone.updated_at)
    overdue = milestone.completed_at is None and milestone.due_date < clock.today()
    return MilestoneOut.model_validate(
        {
            **{k: getattr(milestone, k) for k in MilestoneOut.model_fields if k != "overdue"},
            "overdue": overdue,
        }
    )


@router.get(
    "",
    summary="List initiatives",
    description="Initiatives of the caller's subtree, newest first or, with `q` and "
    "`sort=relevance`, best match first (keyset pagination either way). `organization_id` "
    "narrows to an organization and everything below it. `highlight=true` adds each "
    "item's matching fragments; a `q` that finds nothing is corrected to the nearest words "
    "(`corrected_q`).",
    response_model=search.SearchPage[INITIATIVE_HIT],  # type: ignore[valid-type]
    responses=problems(400, 401, 403, 404, 422),
)
async def list_initiatives(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    options: search.SearchOptionsDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    axis_id: Annotated[uuid.UUID | None, Query(description="Only this axis.")] = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Children of this one.")] = None,
    top_level: Annotated[
        bool | None, Query(description="true: programmes only (no parent).")
    ] = None,
    status_: Annotated[InitiativeStatus | None, Query(alias="status")] = None,
    published: Annotated[bool | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description=search.q_description("code, titles and Arabic description"),
            examples=search.Q_EXAMPLES,
        ),
    ] = None,
) -> Response:
    filters = service.InitiativeFilters(
        organization_id, axis_id, parent_id, top_level, status_, published, q
    )
    result = await service.list_initiatives(session, principal, filters, page, options)
    items = [initiative_out(i) for i in result.rows]
    return highlight.search_response(result, items, options, SEARCHED_FIELDS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an initiative",
    description="For an organization of the caller's subtree; `parent_id` makes it part of a "
    "programme. `progress` and the beneficiary sums are derived, never sent.",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_initiative(
    body: InitiativeCreate, session: SessionDep, principal: Writer, response: Response
) -> InitiativeOut:
    initiative = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/initiatives/{initiative.id}"
    return initiative_out(initiative, response)


@router.get(
    "/{initiative_id}",
    summary="Get an initiative",
    description="404 outside the caller's subtree. Carries an `ETag`.",
    responses=problems(401, 403, 404),
)
async def get_initiative(
    initiative_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> InitiativeOut:
    return initiative_out(await service.get(session, principal, initiative_id), response)


@router.patch(
    "/{initiative_id}",
    summary="Change an initiative",
    description="Only the fields sent change; `status` follows the transition table "
    "(409 `invalid_state` otherwise). Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_initiative(
    initiative_id: uuid.UUID,
    body: InitiativeUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> InitiativeOut:
    initiative = await service.get(session, principal, initiative_id, lock=True)
    check_if_match(request, initiative.id, initiative.updated_at)
    return initiative_out(await service.update(session, principal, initiative, body), response)


@router.get(
    "/{initiative_id}/milestones",
    summary="List an initiative's milestones",
    description="By due date.",
    responses=problems(401, 403, 404),
)
async def list_milestones(
    initiative_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> Page[MilestoneOut]:
    await service.get(session, principal, initiative_id)
    rows, cursor = await milestones_service.list_milestones(
        session, principal, milestones_service.MilestoneFilters(initiative_id=initiative_id), page
    )
    return Page(items=[milestone_out(m) for m in rows], next_cursor=cursor)


@router.post(
    "/{initiative_id}/milestones",
    status_code=status.HTTP_201_CREATED,
    summary="Add a milestone",
    description="An initiative's milestone weights add up to at most 100 (409 "
    "`weights_exceed`); its progress is recomputed.",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_milestone(
    initiative_id: uuid.UUID,
    body: MilestoneCreate,
    session: SessionDep,
    principal: Writer,
    response: Response,
) -> MilestoneOut:
    initiative = await service.get(session, principal, initiative_id, lock=True)
    milestone = await milestones_service.create(session, principal, initiative, body)
    response.headers["Location"] = f"/v1/milestones/{milestone.id}"
    return milestone_out(milestone, response)


@router.get(
    "/{initiative_id}/beneficiaries",
    summary="An initiative's beneficiary figures",
    responses=problems(401, 403, 404),
)
async def get_beneficiaries(
    initiative_id: uuid.UUID, session: SessionDep, principal: Reader
) -> BeneficiariesOut:
    initiative = await service.get(session, principal, initiative_id)
    return await _beneficiaries_out(session, initiative)


@router.put(
    "/{initiative_id}/beneficiaries",
    summary="Set an initiative's beneficiary figures",
    description="The whole set, by organization and period (and optional segment); the "
    "initiative's `beneficiaries_target` and `beneficiaries_actual` are their sums.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def put_beneficiaries(
    initiative_id: uuid.UUID,
    body: BeneficiariesIn,
    session: SessionDep,
    principal: Writer,
    request: Request,
) -> BeneficiariesOut:
    initiative = await service.get(session, principal, initiative_id, lock=True)
    check_if_match(request, initiative.id, initiative.updated_at)
    initiative = await service.replace_beneficiaries(session, principal, initiative, body)
    return await _beneficiaries_out(session, initiative)


async def _beneficiaries_out(session: SessionDep, initiative: Initiative) -> BeneficiariesOut:
    rows = await service.beneficiaries_of(session, initiative)
    return BeneficiariesOut(
        initiative_id=initiative.id,
        beneficiaries_target=initiative.beneficiaries_target,
        beneficiaries_actual=initiative.beneficiaries_actual,
        items=[
            BeneficiaryOut(
                organization_id=r.organization_id,
                period=r.period,
                target=r.target,
                actual=r.actual,
                segment=r.segment or None,
            )
            for r in rows
        ],
    )
