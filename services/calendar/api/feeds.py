"""`/v1/calendar/feeds`: iCalendar subscriptions and the feeds themselves."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Request, Response, status

from services.calendar.api.deps import redact_url_on_replay
from services.calendar.schemas.common import problems
from services.calendar.schemas.feeds import FeedCreate, FeedOut
from services.calendar.service import feeds as service
from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/calendar/feeds", tags=["calendar feeds"])

Reader = Annotated[Principal, require("calendar:read")]
Writer = Annotated[Principal, require("calendar:write")]
ICS = "text/calendar; charset=utf-8"


def public_base(request: Request) -> str:
    proto = request.headers.get("x-forwarded-proto") or request.url.scheme
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or "localhost"
    return f"{proto}://{host}"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a feed subscription",
    description="Answers the subscription `url` with its secret token — shown this once "
    "(kept only as a hash; an `Idempotency-Key` replay answers `url: null`). Anyone with "
    "the URL reads the feed without signing in, until it is revoked.",
    responses=problems(401, 403, 404, 415, 422),
)
async def create_feed(
    body: FeedCreate, session: SessionDep, principal: Writer, request: Request, response: Response
) -> FeedOut:
    redact_url_on_replay(request)
    feed, token = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/calendar/feeds/{feed.id}"
    url = f"{public_base(request)}/v1/calendar/feeds/{token}.ics"
    return FeedOut.model_validate(service.describe(feed, url))


@router.get("", summary="List feed subscriptions", responses=problems(401, 403, 422))
async def list_feeds(session: SessionDep, principal: Reader, page: PageDep) -> Page[FeedOut]:
    rows, cursor = await service.list_visible(session, principal, page)
    return Page(
        items=[FeedOut.model_validate(service.describe(f)) for f in rows], next_cursor=cursor
    )


@router.delete(
    "/{feed_id:uuid}",  # a `.ics` URL is never a feed id (its Allow is GET only)
    summary="Revoke a feed",
    description="Its URL answers 404 from now on.",
    responses=problems(401, 403, 404),
)
async def revoke_feed(
    feed_id: uuid.UUID, session: SessionDep, principal: Writer, response: Response
) -> FeedOut:
    feed = await service.revoke(session, principal, feed_id)
    set_etag(response, feed.id, feed.updated_at)
    return FeedOut.model_validate(service.describe(feed))


@router.get(
    "/{token}.ics",
    summary="The iCalendar feed",
    description="RFC 5545 for Outlook, Google and Apple Calendar: stable UIDs, SEQUENCE = "
    "version, STATUS, CATEGORIES, RRULE/EXDATE/RECURRENCE-ID, VTIMEZONE, RFC 7986 NAME and "
    "REFRESH-INTERVAL; Hijri-recurring entries as RDATEs with `X-GOVHUB-RSCALE-RRULE`. No "
    "login: the token is the key. `ETag` and `If-None-Match` (304). A revoked or unknown "
    "token: 404.",
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The feed."},
        304: {"description": "Not modified."},
        **problems(404),
    },
    response_class=Response,
)
async def read_feed(token: str, session: SessionDep, request: Request) -> Response:
    feed = await service.by_token(session, token)
    tag = await service.etag_of(session, feed)
    headers = {"ETag": tag, "Cache-Control": "private, max-age=300"}
    candidates = {
        c.strip().removeprefix("W/") for c in request.headers.get("if-none-match", "").split(",")
    }
    if tag in candidates or "*" in candidates:
        return Response(status_code=304, headers=headers)
    body = await service.render(session, feed, tag)
    return Response(content=body, media_type=ICS, headers=headers)
