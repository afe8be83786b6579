"""`/v1/calendar/conflicts`: collisions in a window, and the dry-run check."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Query, Request, Response

from services.calendar.api.entries import check_window
from services.calendar.schemas.common import problems
from services.calendar.schemas.conflicts import ConflictList
from services.calendar.schemas.entries import ConflictOut, EntryCreate
from services.calendar.service import checks
from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep, read_pool_of, session_of
from services.common.responses import json_response

router = new_router(prefix="/v1/calendar/conflicts", tags=["calendar conflicts"])

Reader = Annotated[Principal, require("calendar:read")]


@router.get(
    "",
    summary="Conflicts in a window",
    description="Pairs of pending or approved occurrences that collide — `channel`, "
    "`audience`, `spokesperson`, `blackout` — where the first is in the organization's "
    "subtree (default: the caller's) and the other anywhere in its ministry tree; and "
    "occurrences on a day-off occasion of the tree's region (`occasion`, `other` null).",
    responses=problems(401, 403, 404, 422),
)
async def list_conflicts(
    session: SessionDep,
    principal: Reader,
    start: Annotated[datetime, Query(alias="from", description="Window start (RFC 3339).")],
    end: Annotated[datetime, Query(alias="to", description="Window end, exclusive.")],
    organization_id: Annotated[uuid.UUID | None, Query(description="A subtree.")] = None,
) -> ConflictList:
    check_window(start, end)
    found = await checks.in_window(session, principal, organization_id, start, end)
    return ConflictList(items=[ConflictOut.model_validate(c) for c in found])


@router.post(
    "/check",
    summary="Dry-run conflict check",
    description="A draft entry in (the create body), its conflicts out; nothing is stored.",
    response_model=ConflictList,
    responses=problems(401, 403, 404, 415, 422),
)
async def check_conflicts(body: EntryCreate, principal: Reader, request: Request) -> Response:
    if checks.written(body):
        found = await checks.check_written(session_of(request), principal, body)
    else:
        found = await checks.of_draft(read_pool_of(request), principal, body)
    # the conflicts are `ConflictOut`s already (their fields in order), encoded in one pass
    return json_response({"items": found})
