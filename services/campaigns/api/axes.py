"""`/v1/axes`: the axes of the sector's initiatives (S1-6)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.campaigns.api.deps import Reader
from services.campaigns.models import Axis
from services.campaigns.schemas.axes import AxisCreate, AxisOut, AxisUpdate
from services.campaigns.schemas.common import problems
from services.campaigns.service import axes as service
from services.common.app import new_router
from services.common.auth import PrincipalDep
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/axes", tags=["axes"])


def _out(axis: Axis, response: Response | None = None) -> AxisOut:
    if response is not None:
        set_etag(response, axis.id, axis.updated_at)
    return AxisOut.model_validate(axis, from_attributes=True)


@router.get(
    "",
    summary="List axes",
    description="Seeded with health_awareness, e_services, interactive_services, "
    "infrastructure, inspection and process_improvement (S1-6).",
    responses=problems(401, 403),
)
async def list_axes(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the names or code.")
    ] = None,
) -> Page[AxisOut]:
    rows, cursor = await service.list_axes(session, principal, q, page)
    return Page(items=[_out(a) for a in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add an axis",
    description="Sector administrators only.",
    responses=problems(401, 403, 409, 422),
)
async def create_axis(
    body: AxisCreate, session: SessionDep, principal: PrincipalDep, response: Response
) -> AxisOut:
    axis = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/axes/{axis.id}"
    return _out(axis, response)


@router.get("/{axis_id}", summary="Get an axis", responses=problems(401, 403, 404))
async def get_axis(
    axis_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> AxisOut:
    return _out(await service.get(session, principal, axis_id), response)


@router.patch(
    "/{axis_id}",
    summary="Change an axis",
    description="Sector administrators only. Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_axis(
    axis_id: uuid.UUID,
    body: AxisUpdate,
    session: SessionDep,
    principal: Reader,
    request: Request,
    response: Response,
) -> AxisOut:
    axis = await service.get(session, principal, axis_id)
    check_if_match(request, axis.id, axis.updated_at)
    return _out(await service.update(session, principal, axis, body), response)
