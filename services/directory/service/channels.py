"""Channels of an organization."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.pagination import PageParams
from services.directory.models import Channel
from services.directory.repository import channels as repo
from services.directory.repository.base import flush
from services.directory.schemas.channels import ChannelCreate, ChannelUpdate
from services.directory.service.common import record, state_action, visible_organization

_FIELDS = (
    "organization_id",
    "kind",
    "name_ar",
    "name_en",
    "handle",
    "url",
    "intake",
    "publish",
    "active",
)


def snapshot(channel: Channel) -> dict[str, Any]:
    return {name: getattr(channel, name) for name in _FIELDS}


async def get(session: AsyncSession, principal: Principal, channel_id: uuid.UUID) -> Channel:
    channel = await repo.get_visible(session, principal, channel_id)
    if channel is None:
        raise NotFound("القناة", "channel")
    return channel


async def create(session: AsyncSession, principal: Principal, data: ChannelCreate) -> Channel:
    await visible_organization(session, principal, data.organization_id, "organization_id")
    channel = Channel(id=uuid.uuid4(), **data.model_dump())
    session.add(channel)
    await flush(session)
    await session.refresh(channel)
    await record(
        session,
        principal,
        "create",
        "channel",
        channel.id,
        channel.organization_id,
        snapshot(channel),
    )
    return channel


async def update(
    session: AsyncSession, principal: Principal, channel: Channel, data: ChannelUpdate
) -> Channel:
    fields = data.model_fields_set
    if "organization_id" in fields and data.organization_id is not None:
        await visible_organization(session, principal, data.organization_id, "organization_id")
    before = snapshot(channel)
    for name in fields:
        setattr(channel, name, getattr(data, name))
    await flush(session)
    await session.refresh(channel)
    changes = diff(before, snapshot(channel))
    if changes:
        await record(
            session,
            principal,
            state_action(changes),
            "channel",
            channel.id,
            channel.organization_id,
            changes,
        )
    return channel


# The list's filters are the repository's query description; routers take them here.
ChannelFilters = repo.ChannelFilters


async def list_visible(
    session: AsyncSession, principal: Principal, filters: ChannelFilters, page: PageParams
) -> tuple[list[Channel], str | None]:
    """The channels the principal may see, filtered; one page (keyset)."""
    return await repo.list_visible(session, principal, filters, page)
