"""Domain rules of intake, routing, reading and correcting inquiries.

Workflow actions are in `service/workflow.py`, the timeline in `service/timeline.py`, the
citizen's side (tracking, messages, survey) in `tracking.py`, the catalog in `catalog.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, search
from services.common.auth import Principal
from services.common.errors import Forbidden, ValidationFailed
from services.common.orgtree import ensure_visible
from services.common.outbox import emit
from services.common.pagination import PageParams
from services.inquiries import clock
from services.inquiries.domain import sla
from services.inquiries.domain.filters import InquiryFilters
from services.inquiries.errors import (
    InquiryNotFound,
    UnknownCategory,
)
from services.inquiries.models import Category, Event, Inquiry, InquiryLike
from services.inquiries.repository import catalog as repository_catalog
from services.inquiries.repository import inquiries as repository
from services.inquiries.schemas.inquiries import InquiryPatch, Kind, Priority
from services.inquiries.service import sla as sla_service

SERVICE = "inquiries"
Precondition = Callable[[Any, datetime], None]


# --- tracking tokens -----------------------------------------------------------------------


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(inquiry: Inquiry, token: str) -> bool:
    return hmac.compare_digest(inquiry.tracking_token_hash, token_hash(token))


# --- shared helpers ------------------------------------------------------------------------


def actor(principal: Principal | None) -> tuple[str, str | None]:
    return (principal.kind, principal.subject) if principal else ("anonymous", None)


def require(principal: Principal, permission: str) -> None:
    if not principal.can(permission):
        raise Forbidden()


async def record_event(
    session: AsyncSession,
    inquiry: Inquiry,
    action: str,
    from_status: str | None,
    now: datetime,
    *,
    actor_type: str,
    actor_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        Event(
            id=uuid.uuid4(),
            inquiry_id=inquiry.id,
            action=action,
            from_status=from_status,
            to_status=inquiry.status,
            actor_type=actor_type,
            actor_id=actor_id,
            organization_id=inquiry.organization_id,
            details=details or {},
            created_at=now,
            updated_at=now,
        )
    )


def event_payload(inquiry: InquiryLike, **extra: Any) -> dict[str, Any]:
    """What events carry: never contact details nor texts (webhooks leave the hub)."""
    return {
        "id": str(inquiry.id),
        "reference": inquiry.reference,
        "organization_id": str(inquiry.organization_id),
        "category_id": str(inquiry.category_id) if inquiry.category_id else None,
        "kind": inquiry.kind,
        "status": inquiry.status,
        "priority": inquiry.priority,
        "channel": inquiry.channel,
        **extra,
    }


async def emit_breaches(session: AsyncSession, inquiry: Inquiry, now: datetime) -> None:
    for target in sla.breached_targets(inquiry, now):
        await emit(
            session,
            "inquiry.sla_breached",
            aggregate_type="inquiry",
            aggregate_id=inquiry.id,
            payload=sla.breach_payload(inquiry, target),
            organization_id=inquiry.organization_id,
        )


def category_open_to(principal: Principal | None, *, active: bool, public: bool) -> bool | None:
    """Public categories serve everyone; others serve staff of the category's organization,
    of the organizations below it, and of the organizations above it. True or False when
    that is decided without the tree; None when the organizations' relation decides."""
    if not active:
        return False
    if public:
        return True
    if principal is None or principal.is_sector_admin:
        return principal is not None
    if principal.organization_id is None:
        return False
    return None


async def category_usable(
    session: AsyncSession, principal: Principal | None, category: Category
) -> bool:
    decided = category_open_to(principal, active=category.active, public=category.public)
    if decided is not None:
        return decided
    assert principal is not None and principal.organization_id is not None
    mine, theirs = principal.organization_id, category.organization_id
    return await repository_catalog.is_within(
        session, theirs, mine
    ) or await repository_catalog.is_within(session, mine, theirs)


# --- reading -------------------------------------------------------------------------------


async def load_visible(
    session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID, *, lock: bool = False
) -> Inquiry:
    """The inquiry, if `principal` sees its organization; 404 otherwise (ids don't leak)."""
    inquiry = await repository.get(session, inquiry_id, lock=lock, seen_by=principal)
    if inquiry is None:
        raise InquiryNotFound()
    return inquiry


async def view_visible(pool: asyncpg.Pool, principal: Principal, inquiry_id: uuid.UUID) -> Any:
    """The inquiry's row for reading (`repository.VIEW_COLUMNS`); 404 as `load_visible`."""
    require(principal, "inquiries:read")
    row = await repository.get_view(pool, inquiry_id, principal)
    if row is None:
        raise InquiryNotFound()
    return row


ListResult = search.SearchResult


async def list_inquiries(
    session: AsyncSession,
    principal: Principal,
    filters: InquiryFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> ListResult:
    """A page of the list; a `q` that finds nothing is corrected (`search.search_page`)."""
    require(principal, "inquiries:read")
    search.check_options(options, filters.q)
    if filters.organization_id is not None:
        await ensure_visible(session, principal, filters.organization_id)
    org_ids = await repository.scope_ids(session, principal, filters.organization_id)
    now = clock.now()

    async def run(q: search.SearchQuery | None) -> tuple[list[Any], str | None]:
        if q is not None and options.sort == search.SORT_RELEVANCE:
            if span := await search.newest_by_weeks(session, "inquiry", q, now):
                stmt, keys = repository.by_relevance(filters, now, org_ids, q, page, span)
                async with search.serial(session):
                    rows, cursor = await repository.list_page(session, stmt, page, keys)
                if page.cursor is not None or (rows and not rows[0].relevance_window_short):
                    return rows, cursor
                # the last weeks held less than a window: the newest-first walk finds it
            stmt, keys = repository.by_relevance(filters, now, org_ids, q, page)
            return await repository.list_page(session, stmt, page, keys)
        return await repository.list_page(
            session, repository.list_statement(filters, now, org_ids, q), page
        )

    return await search.search_page(session, filters.q, page.cursor, run)


async def similar_inquiries(
    session: AsyncSession, principal: Principal, inquiry_id: uuid.UUID
) -> list[tuple[Inquiry, float]]:
    require(principal, "inquiries:read")
    inquiry = await load_visible(session, principal, inquiry_id)
    return await repository.similar(session, inquiry, repository.similar_since(clock.now()))


# --- corrections ---------------------------------------------------------------------------


async def patch_inquiry(
    session: AsyncSession,
    principal: Principal,
    inquiry_id: uuid.UUID,
    body: InquiryPatch,
    precondition: Precondition,
) -> Inquiry:
    require(principal, "inquiries:write")
    inquiry = await load_visible(session, principal, inquiry_id, lock=True)
    precondition(inquiry.id, inquiry.updated_at)
    changes = body.model_dump(exclude_unset=True)
    for name in ("kind", "priority", "subject"):
        if name in changes and changes[name] is None:
            raise ValidationFailed(name, "لا يمكن مسح هذا الحقل", "This field cannot be cleared")
    if (
        "kind" in changes
        and (Kind.MEDIA_REQUEST in (changes["kind"], inquiry.kind))
        and (changes["kind"] != inquiry.kind)
    ):
        raise ValidationFailed(
            "kind",
            "لا يمكن تحويل الطلب من أو إلى طلب إعلامي",
            "A media request cannot be re-classified, nor become one",
        )
    if changes.get("category_id") is not None:
        category = await repository_catalog.get_category(session, changes["category_id"])
        if (
            category is None
            or not await category_usable(session, principal, category)
            or not await repository_catalog.is_within(
                session, inquiry.organization_id, category.organization_id
            )
        ):
            raise UnknownCategory()
    before = {name: getattr(inquiry, name) for name in changes}
    for name, value in changes.items():
        setattr(inquiry, name, value.value if isinstance(value, Kind | Priority) else value)
    after = {name: getattr(inquiry, name) for name in changes}
    if before == after:
        return inquiry
    now = clock.now()
    inquiry.updated_at = now
    if {"kind", "priority", "category_id"} & changes.keys():
        targets = await sla_service.targets_for(
            session, inquiry.organization_id, inquiry.category_id, inquiry.kind, inquiry.priority
        )
        sla.apply_targets(inquiry, targets)
        sla.schedule(inquiry, await sla_service.calendar_for(session, inquiry.organization_id))
        await emit_breaches(session, inquiry, now)
    await session.flush()
    await audit.record(
        session,
        service=SERVICE,
        principal=principal,
        action="update",
        resource_type="inquiry",
        resource_id=inquiry.id,
        organization_id=inquiry.organization_id,
        changes=audit.diff(before, after),
    )
    return inquiry
