"""`/v1/calendar/suspensions`: crisis pauses and lifting them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Response, status

from services.calendar.schemas.common import problems
from services.calendar.schemas.suspensions import SuspensionCreate, SuspensionOut
from services.calendar.service import suspensions as service
from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/calendar/suspensions", tags=["calendar suspensions"])

Reader = Annotated[Principal, require("calendar:read")]
Admin = Annotated[Principal, require("calendar:admin")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Suspend approved entries (crisis)",
    description="Every `approved` entry of the organization's subtree with an occurrence "
    "in [`from`, `to`) — of `kinds`, when given — becomes `suspended`; its history names "
    "the suspension and the reason; `calendar.entry.suspended` is emitted for each. "
    "Honours `Idempotency-Key`.",
    responses=problems(401, 403, 404, 415, 422),
)
async def create_suspension(
    body: SuspensionCreate, session: SessionDep, principal: Admin, response: Response
) -> SuspensionOut:
    suspension = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/calendar/suspensions/{suspension.id}"
    set_etag(response, suspension.id, suspension.updated_at)
    return SuspensionOut.model_validate(await service.describe(session, suspension))


@router.get(
    "",
    summary="List suspensions",
    description="Suspensions of the caller's subtree, newest first.",
    responses=problems(401, 403, 422),
)
async def list_suspensions(
    session: SessionDep, principal: Reader, page: PageDep
) -> Page[SuspensionOut]:
    rows, cursor = await service.list_visible(session, principal, page)
    items = [SuspensionOut.model_validate(await service.describe(session, s)) for s in rows]
    return Page(items=items, next_cursor=cursor)


@router.get("/{suspension_id}", summary="Get a suspension", responses=problems(401, 403, 404))
async def get_suspension(
    suspension_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> SuspensionOut:
    suspension = await service.get(session, principal, suspension_id)
    set_etag(response, suspension.id, suspension.updated_at)
    return SuspensionOut.model_validate(await service.describe(session, suspension))


@router.post(
    "/{suspension_id}/lift",
    summary="Lift a suspension",
    description="Entries still suspended by it return to `approved`. 409 when already lifted.",
    responses=problems(401, 403, 404, 409),
)
async def lift_suspension(
    suspension_id: uuid.UUID, session: SessionDep, principal: Admin, response: Response
) -> SuspensionOut:
    suspension = await service.get(session, principal, suspension_id, lock=True)
    suspension = await service.lift(session, principal, suspension)
    set_etag(response, suspension.id, suspension.updated_at)
    return SuspensionOut.model_validate(await service.describe(session, suspension))
