"""Organizations: the tree rules, inheritance, re-parenting, holidays."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.orgtree import DEFAULT_TIMEZONE
from services.common.pagination import PageParams
from services.common.regions import region_of
from services.common.responses import json_id
from services.directory.domain.vocabulary import ALLOWED_PARENTS, weekday_names, weekday_numbers
from services.directory.errors import conflict, forbidden, invalid
from services.directory.models import Holiday, Organization
from services.directory.repository import organizations as repo
from services.directory.repository.base import flush
from services.directory.schemas.organizations import (
    HolidayCreate,
    HolidayOut,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
)
from services.directory.service.common import record, visible_organization

_FIELDS = (
    "parent_id",
    "kind",
    "code",
    "name_ar",
    "name_en",
    "timezone",
    "weekend",
    "work_start",
    "work_end",
    "active",
)


def snapshot(org: Organization) -> dict[str, Any]:
    return {name: getattr(org, name) for name in _FIELDS}


def organization_fields(org: Any, depth: int, eff: repo.Effective) -> dict[str, Any]:
    """The fields of `OrganizationOut`, from an `Organization` or a `repo.get_view` row.

    The GET by id encodes this straight to JSON (`common.responses.json_response`): the
    values come from typed columns; tests check it sends what the validated model sends."""
    return {
        "id": json_id(org.id),
        "parent_id": json_id(org.parent_id),
        "kind": org.kind,
        "code": org.code,
        "name_ar": org.name_ar,
        "name_en": org.name_en,
        "active": org.active,
        "depth": depth,
        "timezone": org.timezone,
        "weekend": weekday_names(org.weekend) if org.weekend is not None else None,
        "work_start": org.work_start,
        "work_end": org.work_end,
        "effective": {
            "timezone": eff.timezone,
            "weekend": weekday_names(eff.weekend),
            "work_start": eff.work_start,
            "work_end": eff.work_end,
        },
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    }


async def present(session: AsyncSession, orgs: list[Organization]) -> list[OrganizationOut]:
    effective = await repo.effective(session, [o.id for o in orgs])
    return [
        OrganizationOut.model_validate(
            organization_fields(org, org.path.count("."), effective[org.id])
        )
        for org in orgs
    ]


async def view(pool: asyncpg.Pool, principal: Principal, org_id: uuid.UUID) -> dict[str, Any]:
    """`OrganizationOut`'s fields for the GET by id (one prepared statement); 404 when the
    principal does not see it, as `get`."""
    row = await repo.get_view(pool, org_id, principal)
    if row is None:
        raise NotFound("الجهة", "organization")
    return organization_fields(row, row.depth, repo.effective_of(row))


async def get(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> Organization:
    return await visible_organization(session, principal, org_id)


def _check_placement(kind: str, parent: Organization | None) -> None:
    parent_kind = parent.kind if parent is not None else None
    if parent_kind in ALLOWED_PARENTS[kind]:
        return
    if parent is None:
        raise invalid("parent_id", f"الجهة من نوع {kind} تحتاج جهة أم", f"A {kind} needs a parent")
    raise invalid(
        "parent_id",
        f"لا توضع جهة من نوع {kind} تحت جهة من نوع {parent_kind}",
        f"A {kind} cannot be placed under a {parent_kind}",
    )


async def _check_children(session: AsyncSession, org: Organization, kind: str) -> None:
    for child_kind in await repo.child_kinds(session, org.id):
        if kind not in ALLOWED_PARENTS[child_kind]:
            raise invalid(
                "kind",
                f"للجهة فروع من نوع {child_kind} لا تقبل النوع {kind}",
                f"Its {child_kind} children cannot sit under a {kind}",
            )


async def _check_hours(session: AsyncSession, org: Organization) -> None:
    eff = (await repo.effective(session, [org.id]))[org.id]
    if eff.work_start >= eff.work_end:
        raise invalid(
            "work_end",
            "نهاية الدوام يجب أن تكون بعد بدايته",
            "Working hours must end after they start",
        )


async def create(
    session: AsyncSession, principal: Principal, data: OrganizationCreate
) -> Organization:
    await repo.lock_tree(session, exclusive=False)
    parent = None
    if data.parent_id is not None:
        parent = await visible_organization(session, principal, data.parent_id, "parent_id")
    elif not principal.is_sector_admin:
        raise forbidden(
            "parent_id", "إنشاء جهة جذرية لمدير القطاع فقط", "Only a sector_admin creates a root"
        )
    _check_placement(data.kind, parent)
    org_id = uuid.uuid4()
    org = Organization(
        id=org_id,
        parent_id=parent.id if parent else None,
        path=repo.new_path(parent, org_id),
        kind=data.kind,
        code=data.code,
        name_ar=data.name_ar,
        name_en=data.name_en,
        timezone=data.timezone,
        weekend=weekday_numbers(data.weekend) if data.weekend is not None else None,
        work_start=data.work_start,
        work_end=data.work_end,
        active=data.active,
    )
    session.add(org)
    await flush(session)
    await session.refresh(org)
    await _check_hours(session, org)
    await record(session, principal, "create", "organization", org.id, org.id, snapshot(org))
    return org


async def _move(
    session: AsyncSession,
    principal: Principal,
    org: Organization,
    parent_id: uuid.UUID | None,
    kind: str,
) -> Organization | None:
    await repo.lock_tree(session, exclusive=True)
    await session.refresh(org)  # the path as of the lock
    if parent_id is None:
        if not principal.is_sector_admin:
            raise forbidden(
                "parent_id", "جعل الجهة جذرية لمدير القطاع فقط", "Only a sector_admin makes a root"
            )
        _check_placement(kind, None)
        await repo.move_subtree(session, org.path, None)
        return None
    parent = await visible_organization(session, principal, parent_id, "parent_id")
    if repo.is_within(parent.path, org.path):
        raise conflict(
            "parent_id",
            "لا يمكن نقل الجهة تحت نفسها أو تحت إحدى الجهات التابعة لها",
            "An organization cannot move under itself or one of its descendants",
            code="cycle",
        )
    _check_placement(kind, parent)
    await repo.move_subtree(session, org.path, parent.path)
    return parent


async def update(
    session: AsyncSession, principal: Principal, org: Organization, data: OrganizationUpdate
) -> Organization:
    fields = data.model_fields_set
    if not principal.is_sector_admin and org.id == principal.organization_id:
        # below a sector_admin, the caller's own organization keeps its place, kind and state
        for name in ("parent_id", "kind", "active"):
            if name in fields and getattr(data, name) != getattr(org, name):
                raise forbidden(
                    name,
                    "لا يغيّر هذا لجهتك إلا مدير القطاع",
                    "Only a sector_admin changes this for your own organization",
                )
    before = snapshot(org)
    kind = data.kind if "kind" in fields and data.kind is not None else org.kind
    if "parent_id" in fields and data.parent_id != org.parent_id:
        parent = await _move(session, principal, org, data.parent_id, kind)
        org.parent_id = parent.id if parent else None
    elif kind != org.kind:
        parent = await repo.get_by_id(session, org.parent_id) if org.parent_id else None
        _check_placement(kind, parent)
    if kind != org.kind:
        await _check_children(session, org, kind)
    for name in (
        "kind",
        "code",
        "name_ar",
        "name_en",
        "timezone",
        "work_start",
        "work_end",
        "active",
    ):
        if name in fields:
            setattr(org, name, getattr(data, name))
    if "weekend" in fields:
        org.weekend = weekday_numbers(data.weekend) if data.weekend is not None else None
    await flush(session)
    await session.refresh(org)
    await _check_hours(session, org)
    changes = diff(before, snapshot(org))
    if changes:
        action = "move" if "parent_id" in changes else "update"
        if "active" in changes:
            action = "enable" if org.active else "disable"
        await record(session, principal, action, "organization", org.id, org.id, changes)
    return org


# ------------------------------------------------------------------------------- holidays


def present_holiday(holiday: Holiday, org: Organization) -> HolidayOut:
    return HolidayOut(
        id=holiday.id,
        organization_id=holiday.organization_id,
        date=holiday.date,
        name_ar=holiday.name_ar,
        name_en=holiday.name_en,
        inherited=holiday.organization_id != org.id,
        created_at=holiday.created_at,
        updated_at=holiday.updated_at,
    )


async def list_holidays(
    session: AsyncSession, org: Organization, filters: repo.HolidayFilters, page: PageParams
) -> tuple[list[HolidayOut], str | None]:
    rows, cursor = await repo.list_holidays(session, org, filters, page)
    return [present_holiday(h, org) for h in rows], cursor


async def create_holiday(
    session: AsyncSession, principal: Principal, org: Organization, data: HolidayCreate
) -> HolidayOut:
    holiday = Holiday(
        id=uuid.uuid4(),
        organization_id=org.id,
        date=data.date,
        name_ar=data.name_ar,
        name_en=data.name_en,
    )
    session.add(holiday)
    await flush(session)
    await session.refresh(holiday)
    await record(
        session,
        principal,
        "create",
        "holiday",
        holiday.id,
        org.id,
        {"date": holiday.date, "name_ar": holiday.name_ar, "name_en": holiday.name_en},
    )
    return present_holiday(holiday, org)


# The list's filters are the repository's query description; routers take them here.
OrganizationFilters = repo.OrganizationFilters
HolidayFilters = repo.HolidayFilters


async def list_visible(
    session: AsyncSession, principal: Principal, filters: OrganizationFilters, page: PageParams
) -> tuple[list[Organization], str | None]:
    """The organizations the principal may see, filtered; one page (keyset)."""
    return await repo.list_visible(session, principal, filters, page)


async def apply_occasion_days(session: AsyncSession, payload: dict[str, Any]) -> None:
    """`calendar.occasion.days_changed`: the occasion's added days become holidays of the
    root organizations of its region (every root when it names none; a tree's region comes
    from its time zone), unless one is a holiday already; its removed days are deleted only
    where the holiday carries the occasion's Arabic name. Idempotent."""
    region = payload.get("region")
    targets = [
        org_id
        for org_id, tz in await repo.root_timezones(session)
        if region is None or region_of(tz or DEFAULT_TIMEZONE) == region
    ]
    added = [date.fromisoformat(d) for d in payload.get("added", [])]
    removed = [date.fromisoformat(d) for d in payload.get("removed", [])]
    for org_id in targets:
        if removed:
            await repo.delete_named_holidays(session, org_id, removed, payload["name_ar"])
        if added:
            await repo.add_holidays(
                session, org_id, added, payload["name_ar"], payload.get("name_en")
            )
