"""SQL for the catalog: categories and SLA policies."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.orgtree import in_subtree, organization, path_subquery, visible_to
from services.common.pagination import PageParams, paginate
from services.inquiries.models import Category, SlaPolicy
from services.inquiries.repository.inquiries import ancestor_ids_query


def usable_by(principal: Principal | None, org_column: Any) -> Any:
    """Rows of organizations whose catalog `principal` may read: its own subtree and the
    organizations above it (their categories and policies apply down the tree)."""
    if principal is None:
        return false()
    if principal.is_sector_admin:
        return true()
    if principal.organization_id is None:
        return false()
    return or_(
        visible_to(principal, org_column),
        org_column.in_(ancestor_ids_query(principal.organization_id)),
    )


# --- categories ----------------------------------------------------------------------------


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> Category | None:
    return await session.get(Category, category_id)


def categories_statement(
    principal: Principal | None,
    *,
    applies_to: uuid.UUID | None,
    public: bool | None,
    parent_id: uuid.UUID | None,
    active: bool | None,
) -> Select[Any]:
    where: list[Any] = [
        or_(Category.public.is_(True), usable_by(principal, Category.organization_id))
    ]
    if applies_to is not None:
        where.append(Category.organization_id.in_(ancestor_ids_query(applies_to)))
    if public is not None:
        where.append(Category.public.is_(public))
    if parent_id is not None:
        where.append(Category.parent_id == parent_id)
    if active is not None:
        where.append(Category.active.is_(active))
    return select(Category).where(*where)


async def categories_page(
    session: AsyncSession, stmt: Select[Any], page: PageParams
) -> tuple[list[Category], str | None]:
    return await paginate(session, stmt, [Category.created_at, Category.id], page, descending=False)


async def category_code_taken(
    session: AsyncSession, org_id: uuid.UUID, code: str, exclude: uuid.UUID | None = None
) -> bool:
    stmt = select(Category.id).where(Category.organization_id == org_id, Category.code == code)
    if exclude is not None:
        stmt = stmt.where(Category.id != exclude)
    return await session.scalar(stmt) is not None


def intake_default_statement(org: Any) -> Any:
    """The intake default category of `org` (an id or a bind parameter), or of the nearest
    organization above it that has one."""
    return (
        select(Category)
        .join(organization, organization.c.id == Category.organization_id)
        .where(
            Category.intake_default.is_(True),
            Category.active.is_(True),
            organization.c.path.op("@>")(path_subquery(org)),
        )
        .order_by(func.nlevel(organization.c.path).desc())
        .limit(1)
    )


async def clear_intake_default(
    session: AsyncSession, org_id: uuid.UUID, keep: uuid.UUID | None
) -> None:
    """Unset the organization's other intake default (at most one per organization).

    One UPDATE, run before the caller's change is flushed (the session does not autoflush):
    flushing both rows together let the unit of work write the new default first, in
    primary-key order, and the unique index refused it."""
    await session.execute(
        update(Category)
        .where(
            Category.organization_id == org_id,
            Category.intake_default.is_(True),
            Category.id != keep if keep else true(),
        )
        .values(intake_default=False)
        .execution_options(synchronize_session="fetch")
    )


async def is_within(session: AsyncSession, org_id: uuid.UUID, root_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(organization.c.id).where(
            organization.c.id == org_id, in_subtree(organization.c.id, root_id)
        )
    )
    return found is not None


# --- SLA policies --------------------------------------------------------------------------


async def get_policy(session: AsyncSession, policy_id: uuid.UUID) -> SlaPolicy | None:
    return await session.get(SlaPolicy, policy_id)


def policies_statement(
    principal: Principal,
    *,
    organization_id: uuid.UUID | None,
    category_id: uuid.UUID | None,
    kind: str | None,
    priority: str | None,
) -> Select[Any]:
    where: list[Any] = [usable_by(principal, SlaPolicy.organization_id)]
    if organization_id is not None:
        where.append(SlaPolicy.organization_id == organization_id)
    if category_id is not None:
        where.append(SlaPolicy.category_id == category_id)
    if kind is not None:
        where.append(SlaPolicy.kind == kind)
    if priority is not None:
        where.append(SlaPolicy.priority == priority)
    return select(SlaPolicy).where(*where)


async def policies_page(
    session: AsyncSession, stmt: Select[Any], page: PageParams
) -> tuple[list[SlaPolicy], str | None]:
    return await paginate(
        session, stmt, [SlaPolicy.created_at, SlaPolicy.id], page, descending=False
    )


async def policy_scope_taken(
    session: AsyncSession, policy: SlaPolicy, exclude: uuid.UUID | None = None
) -> bool:
    stmt = select(SlaPolicy.id).where(
        SlaPolicy.organization_id == policy.organization_id,
        SlaPolicy.category_id.is_not_distinct_from(policy.category_id),
        SlaPolicy.kind.is_not_distinct_from(policy.kind),
        SlaPolicy.priority.is_not_distinct_from(policy.priority),
    )
    if exclude is not None:
        stmt = stmt.where(SlaPolicy.id != exclude)
    return await session.scalar(stmt) is not None


def policy_statement(org: Any, category: Any, kind: Any, priority: Any) -> Any:
    """The policy for an inquiry: a policy of its category first; else the nearest
    organization (itself, then up the tree) with a matching policy; within one organization
    the most specific (kind and priority, kind, priority, neither) wins. Arguments are
    values or bind parameters; `category` None means the inquiry has none."""
    for_category = SlaPolicy.category_id == category if category is not None else false()
    inherited = (SlaPolicy.category_id.is_(None)) & organization.c.path.op("@>")(path_subquery(org))
    return (
        select(SlaPolicy)
        .join(organization, organization.c.id == SlaPolicy.organization_id)
        .where(
            SlaPolicy.active.is_(True),
            or_(SlaPolicy.kind.is_(None), SlaPolicy.kind == kind),
            or_(SlaPolicy.priority.is_(None), SlaPolicy.priority == priority),
            or_(for_category, inherited),
        )
        .order_by(
            SlaPolicy.category_id.is_not(None).desc(),
            func.nlevel(organization.c.path).desc(),
            SlaPolicy.kind.is_not(None).desc(),
            SlaPolicy.priority.is_not(None).desc(),
        )
        .limit(1)
    )


async def find_policy(
    session: AsyncSession,
    org_id: uuid.UUID,
    category_id: uuid.UUID | None,
    kind: str,
    priority: str,
) -> SlaPolicy | None:
    """See `policy_statement`."""
    stmt = policy_statement(org_id, category_id, kind, priority)
    return (await session.execute(stmt)).scalar_one_or_none()
