"""SQL for approval policies and approval steps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import ApprovalPolicy, ApprovalStep, Entry
from services.common.auth import Principal
from services.common.orgtree import in_subtree, visible_to
from services.common.pagination import PageParams, paginate


async def policies_for(
    session: AsyncSession, org_ids: Sequence[uuid.UUID], kind: str
) -> list[ApprovalPolicy]:
    """Active policies of these organizations that cover `kind` (empty kinds: every kind)."""
    return list(
        await session.scalars(
            select(ApprovalPolicy).where(
                ApprovalPolicy.organization_id.in_(list(org_ids)),
                ApprovalPolicy.active.is_(True),
                or_(ApprovalPolicy.kinds.contains([kind]), ApprovalPolicy.kinds == []),
            )
        )
    )


async def get_policy(
    session: AsyncSession, principal: Principal, policy_id: uuid.UUID
) -> ApprovalPolicy | None:
    return await session.scalar(
        select(ApprovalPolicy).where(
            ApprovalPolicy.id == policy_id,
            visible_to(principal, ApprovalPolicy.organization_id),
        )
    )


async def list_policies(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    page: PageParams,
) -> tuple[list[ApprovalPolicy], str | None]:
    stmt: Select[Any] = select(ApprovalPolicy).where(
        visible_to(principal, ApprovalPolicy.organization_id)
    )
    if organization_id is not None:
        stmt = stmt.where(in_subtree(ApprovalPolicy.organization_id, organization_id))
    return await paginate(session, stmt, [ApprovalPolicy.created_at, ApprovalPolicy.id], page)


async def steps_of(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> list[ApprovalStep]:
    if not entry_ids:
        return []
    return list(
        await session.scalars(
            select(ApprovalStep)
            .where(ApprovalStep.entry_id.in_(list(entry_ids)))
            .order_by(ApprovalStep.version, ApprovalStep.position)
        )
    )


async def current_steps(
    session: AsyncSession, entry_id: uuid.UUID, version: int
) -> list[ApprovalStep]:
    return list(
        await session.scalars(
            select(ApprovalStep)
            .where(
                ApprovalStep.entry_id == entry_id,
                ApprovalStep.version == version,
                ApprovalStep.status != "superseded",
            )
            .order_by(ApprovalStep.position)
            .with_for_update()
        )
    )


async def supersede(session: AsyncSession, entry_id: uuid.UUID) -> None:
    """Open steps of earlier versions stay as history, marked superseded."""
    await session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.entry_id == entry_id, ApprovalStep.status.in_(["waiting", "queued"]))
        .values(status="superseded")
    )


async def awaiting(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[ApprovalStep], str | None]:
    """Waiting steps the principal may decide: of its own organization and one of its roles
    (a sector_admin: every step), on entries it neither wrote nor last changed."""
    stmt: Select[Any] = (
        select(ApprovalStep)
        .join(Entry, Entry.id == ApprovalStep.entry_id)
        .where(
            ApprovalStep.status == "waiting",
            Entry.status == "pending",
            or_(Entry.created_by.is_(None), Entry.created_by != principal.subject),
            or_(Entry.updated_by.is_(None), Entry.updated_by != principal.subject),
        )
    )
    if not principal.is_sector_admin:
        stmt = stmt.where(
            ApprovalStep.organization_id == principal.organization_id,
            ApprovalStep.roles.overlap(sorted(principal.roles)),
        )
    return await paginate(
        session, stmt, [ApprovalStep.created_at, ApprovalStep.id], page, descending=False
    )
