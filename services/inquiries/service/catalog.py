"""Domain rules of the catalog: the category trees and the SLA policies.

Reading: anyone reads public active categories; staff and machine clients with
`inquiries:read` also read every category and policy of their subtree and of the
organizations above them (those apply to them). Writing needs `inquiries:admin` and an
organization inside the caller's subtree.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.auth import Principal
from services.common.errors import Conflict, ValidationFailed
from services.common.orgtree import can_see, ensure_visible
from services.common.pagination import PageParams
from services.inquiries import clock
from services.inquiries.errors import CategoryNotFound, PolicyNotFound, UnknownCategory
from services.inquiries.models import Category, SlaPolicy
from services.inquiries.repository import catalog as repository_catalog
from services.inquiries.schemas.catalog import (
    CategoryCreate,
    CategoryPatch,
    SlaPolicyCreate,
    SlaPolicyPatch,
)
from services.inquiries.service.inquiries import SERVICE, Precondition, category_usable, require


def _reader(principal: Principal | None) -> Principal | None:
    """The principal whose non-public catalog rows may be shown (None: public ones only)."""
    if principal is None:
        return None
    require(principal, "inquiries:read")
    return principal


# --- categories ----------------------------------------------------------------------------


async def list_categories(
    session: AsyncSession,
    principal: Principal | None,
    page: PageParams,
    *,
    organization_id: uuid.UUID | None,
    public: bool | None,
    parent_id: uuid.UUID | None,
    active: bool | None,
) -> tuple[list[Category], str | None]:
    reader = _reader(principal)
    if reader is None:
        public, active = True, True
    stmt = repository_catalog.categories_statement(
        reader, applies_to=organization_id, public=public, parent_id=parent_id, active=active
    )
    return await repository_catalog.categories_page(session, stmt, page)


async def get_category(
    session: AsyncSession, principal: Principal | None, category_id: uuid.UUID
) -> Category:
    reader = _reader(principal)
    category = await repository_catalog.get_category(session, category_id)
    if category is None:
        raise CategoryNotFound()
    if category.public and (category.active or reader is not None):
        return category
    if reader is None or not await _catalog_readable(session, reader, category.organization_id):
        raise CategoryNotFound()
    return category


async def _catalog_readable(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> bool:
    if await can_see(session, principal, org_id):
        return True
    return principal.organization_id is not None and await repository_catalog.is_within(
        session, principal.organization_id, org_id
    )


async def _check_category_links(
    session: AsyncSession, principal: Principal, category: Category
) -> None:
    if category.parent_id is not None:
        parent = await repository_catalog.get_category(session, category.parent_id)
        if parent is None or parent.organization_id != category.organization_id:
            raise UnknownCategory("parent_id")
        # no cycles: walk up from the parent
        seen = {category.id}
        node: Category | None = parent
        while node is not None:
            if node.id in seen:
                raise ValidationFailed(
                    "parent_id",
                    "التصنيف لا يكون أباً لنفسه",
                    "A category cannot be its own ancestor",
                )
            seen.add(node.id)
            node = (
                await repository_catalog.get_category(session, node.parent_id)
                if node.parent_id
                else None
            )
    if category.routing_organization_id is not None and not await can_see(
        session, principal, category.routing_organization_id
    ):
        raise ValidationFailed(
            "routing_organization_id",
            "الجهة غير موجودة في نطاقك",
            "No such organization in your subtree",
        )


async def create_category(
    session: AsyncSession, principal: Principal, body: CategoryCreate
) -> Category:
    require(principal, "inquiries:admin")
    await ensure_visible(session, principal, body.organization_id)
    if await repository_catalog.category_code_taken(session, body.organization_id, body.code):
        raise Conflict(
            "الرمز مستخدم لتصنيف آخر في الجهة",
            "The code is taken by another category of the organization",
            code="category_code_taken",
        )
    now = clock.now()
    category = Category(id=uuid.uuid4(), created_at=now, updated_at=now, **body.model_dump())
    await _check_category_links(session, principal, category)
    if category.intake_default:
        await repository_catalog.clear_intake_default(session, category.organization_id, None)
    session.add(category)
    await session.flush()
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="create",
        resource_type="inquiry_category",
        resource_id=category.id,
        organization_id=category.organization_id,
        changes=body.model_dump(),
    )
    return category


def _apply(row: Any, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = now
    return audit.diff(before, changes)


async def patch_category(
    session: AsyncSession,
    principal: Principal,
    category_id: uuid.UUID,
    body: CategoryPatch,
    precondition: Precondition,
) -> Category:
    require(principal, "inquiries:admin")
    category = await repository_catalog.get_category(session, category_id)
    if category is None or not await can_see(session, principal, category.organization_id):
        raise CategoryNotFound()
    precondition(category.id, category.updated_at)
    changes = body.model_dump(exclude_unset=True)
    for name in ("name_ar", "public", "intake_default", "active"):
        if name in changes and changes[name] is None:
            raise ValidationFailed(name, "لا يمكن مسح هذا الحقل", "This field cannot be cleared")
    diff = _apply(category, changes, clock.now())
    await _check_category_links(session, principal, category)
    if changes.get("intake_default"):
        await repository_catalog.clear_intake_default(
            session, category.organization_id, category.id
        )
    await session.flush()
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="update",
        resource_type="inquiry_category",
        resource_id=category.id,
        organization_id=category.organization_id,
        changes=diff,
    )
    return category


# --- SLA policies --------------------------------------------------------------------------


async def list_policies(
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    *,
    organization_id: uuid.UUID | None,
    category_id: uuid.UUID | None,
    kind: str | None,
    priority: str | None,
) -> tuple[list[SlaPolicy], str | None]:
    require(principal, "inquiries:read")
    stmt = repository_catalog.policies_statement(
        principal,
        organization_id=organization_id,
        category_id=category_id,
        kind=kind,
        priority=priority,
    )
    return await repository_catalog.policies_page(session, stmt, page)


async def get_policy(
    session: AsyncSession, principal: Principal, policy_id: uuid.UUID
) -> SlaPolicy:
    require(principal, "inquiries:read")
    policy = await repository_catalog.get_policy(session, policy_id)
    if policy is None or not await _catalog_readable(session, principal, policy.organization_id):
        raise PolicyNotFound()
    return policy


async def create_policy(
    session: AsyncSession, principal: Principal, body: SlaPolicyCreate
) -> SlaPolicy:
    require(principal, "inquiries:admin")
    await ensure_visible(session, principal, body.organization_id)
    if body.resolution_minutes < body.first_response_minutes:
        raise ValidationFailed(
            "resolution_minutes",
            "هدف الحل أقصر من هدف الرد الأول",
            "The resolution target is shorter than the first response one",
        )
    if body.category_id is not None:
        category = await repository_catalog.get_category(session, body.category_id)
        if (
            category is None
            or category.organization_id != body.organization_id
            or not await category_usable(session, principal, category)
        ):
            raise UnknownCategory()
    now = clock.now()
    values = body.model_dump()
    values["kind"] = body.kind.value if body.kind else None
    values["priority"] = body.priority.value if body.priority else None
    policy = SlaPolicy(id=uuid.uuid4(), created_at=now, updated_at=now, **values)
    if await repository_catalog.policy_scope_taken(session, policy):
        raise Conflict(
            "توجد سياسة لهذا النطاق في الجهة",
            "The organization already has a policy for this scope",
            code="sla_policy_exists",
        )
    session.add(policy)
    await session.flush()
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="create",
        resource_type="inquiry_sla_policy",
        resource_id=policy.id,
        organization_id=policy.organization_id,
        changes=values,
    )
    return policy


async def patch_policy(
    session: AsyncSession,
    principal: Principal,
    policy_id: uuid.UUID,
    body: SlaPolicyPatch,
    precondition: Precondition,
) -> SlaPolicy:
    """New targets apply to inquiries created (or re-classified, transferred) afterwards;
    existing inquiries keep the targets they were given."""
    require(principal, "inquiries:admin")
    policy = await repository_catalog.get_policy(session, policy_id)
    if policy is None or not await can_see(session, principal, policy.organization_id):
        raise PolicyNotFound()
    precondition(policy.id, policy.updated_at)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "name_en":
            raise ValidationFailed(name, "لا يمكن مسح هذا الحقل", "This field cannot be cleared")
    first = changes.get("first_response_minutes", policy.first_response_minutes)
    if changes.get("resolution_minutes", policy.resolution_minutes) < first:
        raise ValidationFailed(
            "resolution_minutes",
            "هدف الحل أقصر من هدف الرد الأول",
            "The resolution target is shorter than the first response one",
        )
    diff = _apply(policy, changes, clock.now())
    await session.flush()
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="update",
        resource_type="inquiry_sla_policy",
        resource_id=policy.id,
        organization_id=policy.organization_id,
        changes=diff,
    )
    return policy
