"""`/v1/calendar/occasions`: national and religious occasions, moon-sighting confirmations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.calendar.schemas.common import problems
from services.calendar.schemas.occasions import (
    ConfirmationCreate,
    ConfirmationOut,
    OccasionCreate,
    OccasionOut,
    OccasionUpdate,
)
from services.calendar.service import occasions as service
from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag

router = new_router(prefix="/v1/calendar/occasions", tags=["calendar occasions"])

Reader = Annotated[Principal, require("calendar:read")]
Admin = Annotated[Principal, require("calendar:admin")]


@router.get(
    "",
    summary="Occasions of a year",
    description="The built-in, editable set (national days of the region's countries, "
    "Founding Day, Ramadan, Eid al-Fitr, Arafat Day, Eid al-Adha, Hijri New Year …) with "
    "their dates starting in that Gregorian year (Umm al-Qura, or a moon-sighting "
    "confirmation), `day_off` where official. `region` (ISO 3166) defaults to the caller's "
    'tree\'s (from its time zone); `{"items": [...]}`.',
    responses=problems(401, 403, 422),
)
async def list_occasions(
    session: SessionDep,
    principal: Reader,
    year: Annotated[
        int | None, Query(ge=1925, le=2076, description="Gregorian year (default: this one).")
    ] = None,
    region: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$", description="SA, BH, IQ …")] = None,
) -> dict[str, list[OccasionOut]]:
    items = await service.listed(session, principal, year or date.today().year, region)
    return {"items": [OccasionOut.model_validate(i) for i in items]}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add an occasion",
    description="A day-off occasion's dates of this year and the next reach the "
    "directory's holidays. Honours `Idempotency-Key`.",
    responses=problems(401, 403, 409, 415, 422),
)
async def create_occasion(
    body: OccasionCreate, session: SessionDep, principal: Admin, response: Response
) -> OccasionOut:
    occasion = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/calendar/occasions/{occasion.id}"
    set_etag(response, occasion.id, occasion.updated_at)
    return OccasionOut.model_validate(service.describe(occasion, date.today().year, {}))


@router.patch(
    "/{occasion_id}",
    summary="Change an occasion",
    description="Names, length, `day_off`, `active`; holidays follow. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 415, 422),
)
async def update_occasion(
    occasion_id: uuid.UUID,
    body: OccasionUpdate,
    session: SessionDep,
    principal: Admin,
    request: Request,
    response: Response,
) -> OccasionOut:
    occasion = await service.get(session, occasion_id, lock=True)
    check_if_match(request, occasion.id, occasion.updated_at)
    occasion = await service.update(session, principal, occasion, body)
    set_etag(response, occasion.id, occasion.updated_at)
    return OccasionOut.model_validate(service.describe(occasion, date.today().year, {}))


@router.post(
    "/{occasion_id}/confirmations",
    status_code=status.HTTP_201_CREATED,
    summary="Confirm a moon sighting",
    description="The sighted Gregorian `start_date` of a Hijri occasion for one `hijri_year` "
    "(within three days of the Umm al-Qura date) overrides the computed date for that year "
    "only; a day-off occasion's holidays move with it. A second confirmation of the same "
    "year replaces the first.",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def confirm(
    occasion_id: uuid.UUID,
    body: ConfirmationCreate,
    session: SessionDep,
    principal: Admin,
    response: Response,
) -> ConfirmationOut:
    occasion = await service.get(session, occasion_id, lock=True)
    confirmation, computed = await service.confirm(session, principal, occasion, body)
    response.headers["Location"] = f"/v1/calendar/occasions/{occasion.id}"
    return ConfirmationOut(
        id=confirmation.id,
        occasion_id=occasion.id,
        hijri_year=confirmation.hijri_year,
        start_date=confirmation.start_date,
        computed_start_date=computed,
        note=confirmation.note,
        confirmed_by=confirmation.confirmed_by,
        created_at=confirmation.created_at,
        updated_at=confirmation.updated_at,
    )
