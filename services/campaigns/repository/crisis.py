"""SQL for crisis playbooks and activations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import CrisisActivation, CrisisPlaybook
from services.campaigns.repository.base import visible, within
from services.common.auth import Principal
from services.common.pagination import PageParams, paginate


async def playbook_visible(
    session: AsyncSession, principal: Principal, playbook_id: uuid.UUID
) -> CrisisPlaybook | None:
    return await session.scalar(
        select(CrisisPlaybook).where(
            CrisisPlaybook.id == playbook_id, visible(principal, CrisisPlaybook.organization_id)
        )
    )


@dataclass(frozen=True)
class PlaybookFilters:
    organization_id: uuid.UUID | None = None


async def list_playbooks(
    session: AsyncSession, principal: Principal, filters: PlaybookFilters, page: PageParams
) -> tuple[list[CrisisPlaybook], str | None]:
    stmt: Select[Any] = select(CrisisPlaybook).where(
        visible(principal, CrisisPlaybook.organization_id),
        within(CrisisPlaybook.organization_id, filters.organization_id),
    )
    return await paginate(session, stmt, [CrisisPlaybook.created_at, CrisisPlaybook.id], page)


async def open_activation(
    session: AsyncSession, playbook_id: uuid.UUID, organization_id: uuid.UUID
) -> CrisisActivation | None:
    return await session.scalar(
        select(CrisisActivation).where(
            CrisisActivation.playbook_id == playbook_id,
            CrisisActivation.organization_id == organization_id,
            CrisisActivation.status == "active",
        )
    )


async def activation_visible(
    session: AsyncSession, principal: Principal, activation_id: uuid.UUID, *, lock: bool = False
) -> CrisisActivation | None:
    stmt = select(CrisisActivation).where(
        CrisisActivation.id == activation_id,
        visible(principal, CrisisActivation.organization_id),
    )
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)
