"""Axes: a sector-wide vocabulary, seeded with the six of S1-6; sector admins edit it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Axis
from services.campaigns.repository import axes as repo
from services.campaigns.repository.base import flush
from services.campaigns.schemas.axes import AxisCreate, AxisUpdate
from services.campaigns.service.common import record, require, require_sector_admin, snapshot
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.pagination import PageParams

FIELDS = ("code", "name_ar", "name_en")


async def get(session: AsyncSession, principal: Principal, axis_id: uuid.UUID) -> Axis:
    require(principal, "campaigns:read")
    axis = await repo.get(session, axis_id)
    if axis is None:
        raise NotFound("المحور", "axis")
    return axis


async def list_axes(
    session: AsyncSession, principal: Principal, q: str | None, page: PageParams
) -> tuple[list[Axis], str | None]:
    require(principal, "campaigns:read")
    return await repo.list_axes(session, q, page)


async def create(session: AsyncSession, principal: Principal, data: AxisCreate) -> Axis:
    require_sector_admin(principal)
    axis = Axis(id=uuid.uuid4(), **data.model_dump())
    session.add(axis)
    await flush(session)
    await session.refresh(axis)
    await record(session, principal, "create", "axis", axis.id, None, snapshot(axis, FIELDS))
    return axis


async def update(session: AsyncSession, principal: Principal, axis: Axis, data: AxisUpdate) -> Axis:
    require_sector_admin(principal)
    before = snapshot(axis, FIELDS)
    for name in data.model_fields_set:
        setattr(axis, name, getattr(data, name))
    await flush(session)
    await session.refresh(axis)
    changes = diff(before, snapshot(axis, FIELDS))
    if changes:
        await record(session, principal, "update", "axis", axis.id, None, changes)
    return axis
