"""Read-only SQL on the directory's shared read model: the organization tree, channels and
staff (the directory alone writes them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, String, Text, and_, column, func, select, table, true
from sqlalchemy.dialects.postgresql import ARRAY, UUID, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.common.auth import Principal
from services.common.orgtree import (
    ancestors,
    channel,
    in_subtree,
    inherited,
    organization,
    path_subquery,
    visible_to,
    within,
)

user = table(
    "directory_user",
    column("id", UUID(as_uuid=True)),
    column("organization_id", UUID(as_uuid=True)),
    column("roles", ARRAY(String())),
    column("active", Boolean()),
)


async def chain(session: AsyncSession, org_id: uuid.UUID) -> list[dict[str, Any]]:
    """The organization and its ancestors, nearest first (empty when unknown)."""
    return await ancestors(session, org_id)


async def timezone_of(session: AsyncSession, org_id: uuid.UUID) -> str | None:
    value = await session.scalar(select(inherited("timezone", path_subquery(org_id))))
    return str(value) if value is not None else None


async def channels_of(session: AsyncSession, org_ids: Sequence[uuid.UUID]) -> list[Any]:
    """Active channels of these organizations: (id, organization_id, kind)."""
    rows = await session.execute(
        select(channel.c.id, channel.c.organization_id, channel.c.kind).where(
            channel.c.organization_id.in_(list(org_ids)), channel.c.active.is_(True)
        )
    )
    return list(rows)


def channel_ids_of_kind(kind: str) -> Any:
    """SELECT the ids (as text) of every channel of `kind`."""
    return select(func.cast(channel.c.id, Text())).where(channel.c.kind == kind)


async def user_exists(session: AsyncSession, user_id: uuid.UUID) -> bool:
    found = await session.scalar(select(user.c.id).where(user.c.id == user_id))
    return found is not None


def root_expression(org: Any) -> Any:
    """The id of the root (ministry) of the tree of organization `org` (an id or a bind
    parameter), as a scalar subquery; NULL when the organization is unknown."""
    root = organization.alias("root")
    return (
        select(root.c.id)
        .where(root.c.path.op("@>")(path_subquery(org)), root.c.parent_id.is_(None))
        .scalar_subquery()
    )


async def root_of(session: AsyncSession, org_id: uuid.UUID) -> uuid.UUID | None:
    """The root (ministry) of the organization's tree."""
    root = organization.alias("root")
    found = await session.scalar(
        select(root.c.id).where(
            root.c.path.op("@>")(path_subquery(org_id)), root.c.parent_id.is_(None)
        )
    )
    return found


async def is_within(session: AsyncSession, org_id: uuid.UUID, root_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(within(org_id, root_id))))


async def organizations_of_roots(session: AsyncSession, root_ids: Sequence[uuid.UUID]) -> list[Any]:
    rows = await session.execute(
        select(organization.c.id, organization.c.parent_id).where(
            organization.c.id.in_(list(root_ids))
        )
    )
    return list(rows)


async def roots(session: AsyncSession) -> list[Any]:
    """Every root organization with its time zone (for occasions' regions)."""
    rows = await session.execute(
        select(organization.c.id, organization.c.timezone).where(organization.c.parent_id.is_(None))
    )
    return list(rows)


def subtree(org_column: Any, root_id: uuid.UUID | None) -> ColumnElement[bool]:
    return in_subtree(org_column, root_id) if root_id is not None else true()


def both(*clauses: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(*clauses)


@dataclass(frozen=True)
class OrganizationFacts:
    """What an entry's rules read of its organization: whether the principal sees it, its
    time zone (its own or the nearest ancestor's; None: the default) and its chain (the
    organization and its ancestors' ids, nearest first)."""

    visible: bool
    timezone: str | None
    chain: list[uuid.UUID]


async def facts_of(
    session: AsyncSession, principal: Principal, org_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, OrganizationFacts]:
    """`OrganizationFacts` of each of these organizations that exists (one query)."""
    if not org_ids:
        return {}
    node, anc = organization.alias("node"), organization.alias("anc")
    chain = (
        select(func.array_agg(aggregate_order_by(anc.c.id, func.nlevel(anc.c.path).desc())))
        .where(anc.c.path.op("@>")(node.c.path))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            node.c.id,
            visible_to(principal, node.c.id).label("visible"),
            inherited("timezone", node.c.path).label("timezone"),
            chain.label("chain"),
        ).where(node.c.id.in_(list(org_ids)))
    )
    return {
        row.id: OrganizationFacts(bool(row.visible), row.timezone, list(row.chain)) for row in rows
    }


async def users_found(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these staff members exist (one query)."""
    if not user_ids:
        return set()
    return set(await session.scalars(select(user.c.id).where(user.c.id.in_(list(user_ids)))))
