"""`/v1/channels`: the channel catalogue of each organization."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep
from services.directory.domain.vocabulary import ChannelKind
from services.directory.models import Channel
from services.directory.schemas.channels import ChannelCreate, ChannelOut, ChannelUpdate
from services.directory.schemas.common import problems
from services.directory.service import channels as service
from services.directory.service.common import visible_organization

router = new_router(prefix="/v1/channels", tags=["channels"])

Reader = Annotated[Principal, require("channels:read")]
Writer = Annotated[Principal, require("channels:write")]


def _out(channel: Channel, response: Response | None = None) -> ChannelOut:
    if response is not None:
        set_etag(response, channel.id, channel.updated_at)
    return ChannelOut.model_validate(channel, from_attributes=True)


@router.get(
    "",
    summary="List channels",
    description="Channels of the caller's subtree, newest first. `organization_id` narrows to "
    "an organization and everything below it.",
    responses=problems(401, 403, 404, 422),
)
async def list_channels(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    kind: Annotated[ChannelKind | None, Query(description="Only this kind.")] = None,
    intake: Annotated[bool | None, Query(description="Inquiries arrive through it.")] = None,
    publish: Annotated[bool | None, Query(description="Used for publishing.")] = None,
    active: Annotated[bool | None, Query(description="Only active / inactive.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in names or handle.")] = None,
) -> Page[ChannelOut]:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    filters = service.ChannelFilters(organization_id, kind, intake, publish, active, q)
    rows, cursor = await service.list_visible(session, principal, filters, page)
    return Page(items=[_out(c) for c in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a channel",
    description="A weekly majlis, a coordination council, field visits, the app, a social "
    "account … of an organization in the caller's subtree (S4-1).",
    responses=problems(401, 403, 404, 422),
)
async def create_channel(
    body: ChannelCreate, session: SessionDep, principal: Writer, response: Response
) -> ChannelOut:
    channel = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/channels/{channel.id}"
    return _out(channel, response)


@router.get(
    "/{channel_id}",
    summary="Get a channel",
    description="404 outside the caller's subtree. Carries an `ETag`.",
    responses=problems(401, 403, 404),
)
async def get_channel(
    channel_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ChannelOut:
    return _out(await service.get(session, principal, channel_id), response)


@router.patch(
    "/{channel_id}",
    summary="Change a channel",
    description="Only the fields sent change; `active: false` retires it. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 422),
)
async def update_channel(
    channel_id: uuid.UUID,
    body: ChannelUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> ChannelOut:
    channel = await service.get(session, principal, channel_id)
    check_if_match(request, channel.id, channel.updated_at)
    return _out(await service.update(session, principal, channel, body), response)
