"""SQL for the organization tree and holidays."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import asyncpg
from sqlalchemy import Select, bindparam, delete, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from services.common.auth import Principal
from services.common.db import Prepared
from services.common.orgtree import (
    CALENDAR_FIELDS,
    DEFAULT_TIMEZONE,
    DEFAULT_WEEKEND,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    Ltree,
    inherited,
    within,
)
from services.common.pagination import PageParams, paginate
from services.directory.models import Holiday, Organization
from services.directory.repository.base import text_match, visible

# One key for every change to the shape of the tree: creating under a parent takes it shared,
# moving a subtree takes it exclusive, so a move never races a creation below the old path
# (nor another move that would close a cycle).
_TREE_LOCK = 0x676F76687562  # "govhub"


async def lock_tree(session: AsyncSession, *, exclusive: bool) -> None:
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(text(f"SELECT {fn}(:key)"), {"key": _TREE_LOCK})


async def get_visible(
    session: AsyncSession, principal: Principal, org_id: uuid.UUID
) -> Organization | None:
    return await session.scalar(
        select(Organization).where(Organization.id == org_id, visible(principal, Organization.id))
    )


async def get_by_code(session: AsyncSession, code: str) -> Organization | None:
    return await session.scalar(select(Organization).where(Organization.code == code))


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Organization)) or 0)


async def first_root(session: AsyncSession) -> Organization | None:
    return await session.scalar(
        select(Organization)
        .where(Organization.parent_id.is_(None))
        .order_by(Organization.created_at, Organization.id)
        .limit(1)
    )


async def child_kinds(session: AsyncSession, org_id: uuid.UUID) -> set[str]:
    rows = await session.scalars(
        select(Organization.kind).where(Organization.parent_id == org_id).distinct()
    )
    return set(rows)


@dataclass(frozen=True)
class OrganizationFilters:
    parent_id: uuid.UUID | None = None
    kind: str | None = None
    active: bool | None = None
    q: str | None = None


async def list_visible(
    session: AsyncSession, principal: Principal, filters: OrganizationFilters, page: PageParams
) -> tuple[list[Organization], str | None]:
    stmt: Select[Any] = select(Organization).where(visible(principal, Organization.id))
    if filters.parent_id is not None:
        stmt = stmt.where(Organization.parent_id == filters.parent_id)
    if filters.kind is not None:
        stmt = stmt.where(Organization.kind == filters.kind)
    if filters.active is not None:
        stmt = stmt.where(Organization.active.is_(filters.active))
    if filters.q:
        stmt = stmt.where(
            text_match(filters.q, Organization.name_ar, Organization.name_en, Organization.code)
        )
    return await paginate(session, stmt, [Organization.created_at, Organization.id], page)


def new_path(parent: Organization | None, org_id: uuid.UUID) -> str:
    label = org_id.hex
    return f"{parent.path}.{label}" if parent is not None else label


def is_within(path: str, root_path: str) -> bool:
    return path == root_path or path.startswith(root_path + ".")


async def move_subtree(session: AsyncSession, old_path: str, new_parent_path: str | None) -> None:
    """Re-roots every path under `old_path` below `new_parent_path`, in one UPDATE."""
    depth = old_path.count(".")  # labels above the moved organization
    tail = func.subpath(Organization.path, depth)
    new_value = (
        literal(new_parent_path, Ltree()).op("||")(tail) if new_parent_path is not None else tail
    )
    await session.execute(
        update(Organization)
        .where(Organization.path.op("<@")(literal(old_path, Ltree())))
        .values(path=new_value)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Effective:
    timezone: str
    weekend: tuple[int, ...]
    work_start: time
    work_end: time


_ME = aliased(Organization, name="me")


def _nearest(name: str) -> Any:
    """The deepest non-null value of a calendar field on `me`'s path."""
    return inherited(name, _ME.path).label(f"effective_{name}")


def _effective_statement() -> Select[Any]:
    """Built once: each column is the deepest non-null value on the organization's path."""
    nearest = [_nearest(name) for name in CALENDAR_FIELDS]
    return select(_ME.id, *nearest).where(_ME.id.in_(bindparam("ids", expanding=True)))


_EFFECTIVE = _effective_statement()


async def effective(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Effective]:
    """The inherited values of each organization: own, else the nearest ancestor's, else the
    defaults. One query."""
    if not ids:
        return {}
    rows = await session.execute(_EFFECTIVE, {"ids": ids})
    return {row[0]: effective_of(row) for row in rows}


def effective_of(row: Any) -> Effective:
    """The effective calendar from a row's `effective_*` columns (null: the defaults)."""
    weekend = row.effective_weekend
    return Effective(
        timezone=row.effective_timezone or DEFAULT_TIMEZONE,
        weekend=tuple(weekend) if weekend is not None else DEFAULT_WEEKEND,
        work_start=row.effective_work_start or DEFAULT_WORK_START,
        work_end=row.effective_work_end or DEFAULT_WORK_END,
    )


# GET /v1/organizations/{id}, the directory's most frequent read: the row, its effective
# calendar and the caller's visibility in one statement compiled once (`common.db.Prepared`).
_VIEW_BY_ID = select(
    *(getattr(_ME, c.key) for c in Organization.__table__.c if c.key != "path"),
    (func.nlevel(_ME.path) - 1).label("depth"),
    *(_nearest(name) for name in CALENDAR_FIELDS),
).where(_ME.id == bindparam("id"))
VIEW_ANY = Prepared(_VIEW_BY_ID)
VIEW_IN_SUBTREE = Prepared(_VIEW_BY_ID.where(within(_ME.id, bindparam("root"))))


async def get_view(pool: asyncpg.Pool, org_id: uuid.UUID, seen_by: Principal) -> Any | None:
    """The organization's row with its `effective_*` columns, if `seen_by` sees it."""
    if seen_by.is_sector_admin:
        return await VIEW_ANY.one(pool, id=org_id)
    if seen_by.organization_id is None:
        return None
    return await VIEW_IN_SUBTREE.one(pool, id=org_id, root=seen_by.organization_id)


# ------------------------------------------------------------------------------- holidays


@dataclass(frozen=True)
class HolidayFilters:
    date_from: date | None = None
    date_to: date | None = None
    include_inherited: bool = True


async def list_holidays(
    session: AsyncSession, org: Organization, filters: HolidayFilters, page: PageParams
) -> tuple[list[Holiday], str | None]:
    """The organization's holidays, and with `include_inherited` its ancestors' too."""
    if filters.include_inherited:
        ancestors = select(Organization.id).where(
            Organization.path.op("@>")(literal(org.path, Ltree()))
        )
        owner: ColumnElement[bool] = Holiday.organization_id.in_(ancestors)
    else:
        owner = Holiday.organization_id == org.id
    stmt: Select[Any] = select(Holiday).where(owner)
    if filters.date_from is not None:
        stmt = stmt.where(Holiday.date >= filters.date_from)
    if filters.date_to is not None:
        stmt = stmt.where(Holiday.date <= filters.date_to)
    return await paginate(session, stmt, [Holiday.date, Holiday.id], page, descending=False)


async def holiday_exists(session: AsyncSession, org_id: uuid.UUID, day: date) -> bool:
    found = await session.scalar(
        select(Holiday.id).where(Holiday.organization_id == org_id, Holiday.date == day)
    )
    return found is not None


async def get_by_id(session: AsyncSession, org_id: uuid.UUID) -> Organization | None:
    return await session.get(Organization, org_id)


async def root_timezones(session: AsyncSession) -> list[tuple[uuid.UUID, str | None]]:
    """Every root organization with its time zone."""
    rows = await session.execute(
        select(Organization.id, Organization.timezone).where(Organization.parent_id.is_(None))
    )
    return [(row[0], row[1]) for row in rows]


async def delete_named_holidays(
    session: AsyncSession, org_id: uuid.UUID, days: list[date], name_ar: str
) -> None:
    """Deletes the organization's holidays on these days that carry this Arabic name."""
    await session.execute(
        delete(Holiday).where(
            Holiday.organization_id == org_id,
            Holiday.date.in_(days),
            Holiday.name_ar == name_ar,
        )
    )


async def add_holidays(
    session: AsyncSession,
    org_id: uuid.UUID,
    days: list[date],
    name_ar: str,
    name_en: str | None,
) -> None:
    """Adds holidays on these days, except where the organization has one already."""
    await session.execute(
        insert(Holiday)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "organization_id": org_id,
                    "date": day,
                    "name_ar": name_ar,
                    "name_en": name_en,
                }
                for day in days
            ]
        )
        .on_conflict_do_nothing(constraint="uq_directory_holiday_organization_id")
    )
