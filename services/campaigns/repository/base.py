"""Shared SQL helpers: flushing with duplicate detection, visibility, Arabic matching."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from services.campaigns.errors import duplicate
from services.common.arabic import text_match
from services.common.auth import Principal
from services.common.orgtree import (
    ancestors,
    can_see,
    channel,
    in_subtree,
    organization,
    visible_to,
)

# unique constraint or index → (field, Arabic noun, English noun)
UNIQUE_FIELDS: dict[str, tuple[str, str, str]] = {
    "uq_campaign_axis_code": ("code", "الرمز", "code"),
    "uq_campaign_initiative_organization_id": ("code", "الرمز", "code"),
    "uq_campaign_kpi_organization_id": ("code", "الرمز", "code"),
    "uq_campaign_integration_criterion_code": ("code", "الرمز", "code"),
    "uq_campaign_kpi_value_live": ("period", "الفترة", "period"),
    "uq_campaign_campaign_organization_id": ("code", "الرمز", "code"),
    "uq_campaign_key_message_organization_id": ("code", "الرمز", "code"),
}

__all__ = ["flush", "organization_chain", "text_match", "visible", "within"]


def constraint_name(exc: IntegrityError) -> str | None:
    cause = getattr(exc.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None)
    if name:
        return str(name)
    message = str(exc.orig)
    return next((n for n in UNIQUE_FIELDS if n in message), None)


async def flush(session: AsyncSession) -> None:
    """Flush; a unique violation becomes a 409 naming the field (the request rolls back)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        field = UNIQUE_FIELDS.get(constraint_name(exc) or "")
        if field is None:
            raise
        raise duplicate(*field) from exc


def visible(principal: Principal, column: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """Rows whose organization column the principal sees (orgtree's visibility rule)."""
    return visible_to(principal, column.expression)


def within(column: QueryableAttribute[Any], root_id: Any) -> ColumnElement[bool]:
    """Rows whose organization column is `root_id` or below it; no filter when None."""
    return in_subtree(column.expression, root_id) if root_id is not None else true()


async def organization_exists(session: AsyncSession, org_id: uuid.UUID) -> bool:
    found = await session.scalar(select(organization.c.id).where(organization.c.id == org_id))
    return found is not None


async def sees_organization(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> bool:
    return await can_see(session, principal, org_id)


async def organization_chain(session: AsyncSession, org_id: uuid.UUID) -> list[uuid.UUID]:
    """The organization and its ancestors, nearest first."""
    return [row["id"] for row in await ancestors(session, org_id)]


async def subtree_ids(session: AsyncSession, root_id: uuid.UUID) -> list[uuid.UUID]:
    from services.common.orgtree import subtree_ids_query

    return list(await session.scalars(subtree_ids_query(root_id)))


async def registered_channels(
    session: AsyncSession, org_id: uuid.UUID
) -> tuple[set[str], set[str]]:
    """(ids, kinds) of the directory's active channels of the organization and every
    organization above it: what its campaigns and playbooks may name."""
    chain = [row["id"] for row in await ancestors(session, org_id)]
    rows = await session.execute(
        select(channel.c.id, channel.c.kind).where(
            channel.c.organization_id.in_(chain), channel.c.active.is_(True)
        )
    )
    ids: set[str] = set()
    kinds: set[str] = set()
    for channel_id, kind in rows:
        ids.add(str(channel_id))
        kinds.add(str(kind))
    return ids, kinds
