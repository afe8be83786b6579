"""SQL for machine clients."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.pagination import PageParams, paginate
from services.directory.models import ApiClient, Organization
from services.directory.repository.base import visible, within


async def get_visible(
    session: AsyncSession, principal: Principal, client_pk: uuid.UUID
) -> ApiClient | None:
    return await session.scalar(
        select(ApiClient).where(
            ApiClient.id == client_pk, visible(principal, ApiClient.organization_id)
        )
    )


async def get_by_client_id(session: AsyncSession, client_id: str) -> ApiClient | None:
    return await session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))


async def for_token(session: AsyncSession, client_id: str) -> tuple[ApiClient, bool] | None:
    """The client and whether its organization is active (one query)."""
    row = (
        await session.execute(
            select(ApiClient, Organization.active)
            .join(Organization, Organization.id == ApiClient.organization_id)
            .where(ApiClient.client_id == client_id)
        )
    ).first()
    return (row[0], bool(row[1])) if row else None


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[ApiClient], str | None]:
    stmt: Select[Any] = select(ApiClient).where(
        visible(principal, ApiClient.organization_id),
        within(ApiClient.organization_id, organization_id),
    )
    if active is not None:
        stmt = stmt.where(ApiClient.active.is_(active))
    return await paginate(session, stmt, [ApiClient.created_at, ApiClient.id], page)
