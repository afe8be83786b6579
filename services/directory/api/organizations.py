"""`/v1/organizations` and `/v1/organizations/{id}/holidays`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status

from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep, read_pool_of
from services.common.etag import check_if_match, etag_for, set_etag
from services.common.pagination import Page, PageDep
from services.common.responses import json_response
from services.common.routing import lean
from services.directory.domain.vocabulary import OrganizationKind
from services.directory.models import Organization
from services.directory.schemas.common import problems
from services.directory.schemas.organizations import (
    HolidayCreate,
    HolidayOut,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
)
from services.directory.service import organizations as service
from services.directory.service.common import visible_organization

router = new_router(prefix="/v1/organizations", tags=["organizations"])

READ = require("organizations:read")
WRITE = require("organizations:write")
Reader = Annotated[Principal, READ]
Writer = Annotated[Principal, WRITE]


def _loader(permission: Any) -> Any:
    """Loads the organization of the path: 403 without the permission, 404 when unseen."""

    async def load(
        organization_id: uuid.UUID, session: SessionDep, principal: Principal = permission
    ) -> Organization:
        return await service.get(session, principal, organization_id)

    return Depends(load)


ReadableOrganization = Annotated[Organization, _loader(READ)]
WritableOrganization = Annotated[Organization, _loader(WRITE)]


async def _one(session: SessionDep, org: Organization, response: Response) -> OrganizationOut:
    set_etag(response, org.id, org.updated_at)
    return (await service.present(session, [org]))[0]


@router.get(
    "",
    summary="List organizations",
    description="The organizations the caller sees — its own and every one below it (all of "
    "them for a sector_admin) — newest first, with keyset pagination. `parent_id` lists the "
    "direct children of an organization; `q` matches Arabic or English names and codes, "
    "ignoring diacritics, tatweel and letter variants (أ/إ/آ/ا, ة/ه, ى/ي).",
    responses=problems(401, 403, 404, 422),
)
async def list_organizations(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    parent_id: Annotated[uuid.UUID | None, Query(description="Direct children of.")] = None,
    kind: Annotated[OrganizationKind | None, Query(description="Only this kind.")] = None,
    active: Annotated[bool | None, Query(description="Only active / inactive ones.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the names or the code.")
    ] = None,
) -> Page[OrganizationOut]:
    if parent_id is not None:
        await visible_organization(session, principal, parent_id, "parent_id")
    filters = service.OrganizationFilters(parent_id=parent_id, kind=kind, active=active, q=q)
    rows, cursor = await service.list_visible(session, principal, filters, page)
    return Page(items=await service.present(session, rows), next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an organization",
    description="Adds an organization under `parent_id` (a root only for a sector_admin). "
    "The kind must fit under the parent's kind (see `kind`). Calendar fields left out are "
    "inherited. Answers 201 with `Location`; `Idempotency-Key` makes retries safe.",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_organization(
    body: OrganizationCreate, session: SessionDep, principal: Writer, response: Response
) -> OrganizationOut:
    org = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/organizations/{org.id}"
    return await _one(session, org, response)


@router.get(
    "/{organization_id}",
    summary="Get an organization",
    description="Own settings (null = inherited) and the effective ones. 404 outside the "
    "caller's subtree. Carries an `ETag` for `If-Match`.",
    response_model=OrganizationOut,
    responses=problems(401, 403, 404),
)
@lean  # a read by id: the lean handler (services/common/routing.py)
async def get_organization(
    organization_id: uuid.UUID, request: Request, principal: Reader
) -> Response:
    fields = await service.view(read_pool_of(request), principal, organization_id)
    return json_response(fields, headers={"ETag": etag_for(fields["id"], fields["updated_at"])})


@router.patch(
    "/{organization_id}",
    summary="Change or move an organization",
    description="Only the fields sent change; `null` on a calendar field reverts it to the "
    "inherited value. A new `parent_id` moves the organization with its whole subtree (one "
    "UPDATE of the ltree paths); moving it under itself or a descendant answers 409 "
    "`cycle`. Nobody but a sector_admin moves their own organization or makes a root. "
    "Honours `If-Match` (412 when stale).",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_organization(
    body: OrganizationUpdate,
    org: WritableOrganization,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> OrganizationOut:
    check_if_match(request, org.id, org.updated_at)
    org = await service.update(session, principal, org, body)
    return await _one(session, org, response)


@router.get(
    "/{organization_id}/holidays",
    summary="List holidays",
    description="Days off work of the organization and, unless `include_inherited=false`, of "
    "its ancestors (a ministry's national holidays apply below it), by date.",
    responses=problems(401, 403, 404, 422),
)
async def list_holidays(
    org: ReadableOrganization,
    session: SessionDep,
    page: PageDep,
    date_from: Annotated[date | None, Query(alias="from", description="From this day.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Up to this day.")] = None,
    include_inherited: Annotated[
        bool, Query(description="Include the ancestors' holidays.")
    ] = True,
) -> Page[HolidayOut]:
    filters = service.HolidayFilters(date_from, date_to, include_inherited)
    items, cursor = await service.list_holidays(session, org, filters, page)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/{organization_id}/holidays",
    status_code=status.HTTP_201_CREATED,
    summary="Add a holiday",
    description="A day off for the organization and everything below it; SLA clocks skip "
    "it. One holiday per organization and date (409 `duplicate` naming `date`).",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_holiday(
    body: HolidayCreate,
    org: WritableOrganization,
    session: SessionDep,
    principal: Writer,
    response: Response,
) -> HolidayOut:
    holiday = await service.create_holiday(session, principal, org, body)
    response.headers["Location"] = f"/v1/organizations/{org.id}/holidays"
    return holiday
