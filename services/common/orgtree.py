"""The organization tree: the one read model every service shares.

Only the directory writes these tables; every service reads them through this module to
apply the visibility rule (a principal sees its own organization and everything below it;
`sector_admin` sees everything) and to find an organization's working calendar. The
tree is a materialized path (`ltree`, labels are the ids' hex), indexed with GiST, so a
subtree is one indexed query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    Time,
    column,
    exists,
    false,
    func,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

from services.common.auth import Principal
from services.common.errors import NotFound


class Ltree(UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "LTREE"


# so reflection (Alembic's drift check) recognizes the column type
ischema_names["ltree"] = Ltree


# Read-only views of the directory's tables (the directory's models define them).
organization = table(
    "directory_organization",
    column("id", UUID(as_uuid=True)),
    column("parent_id", UUID(as_uuid=True)),
    column("path", Ltree()),
    column("kind", String()),
    column("code", String()),
    column("name_ar", String()),
    column("name_en", String()),
    column("timezone", String()),
    column("weekend", ARRAY(Integer())),
    column("work_start", Time()),
    column("work_end", Time()),
)
holiday = table(
    "directory_holiday",
    column("organization_id", UUID(as_uuid=True)),
    column("date", Date()),
)
channel = table(
    "directory_channel",
    column("id", UUID(as_uuid=True)),
    column("organization_id", UUID(as_uuid=True)),
    column("kind", String()),
    column("intake", Boolean()),
    column("active", Boolean()),
)

# a column holding an organization id: a mapped attribute or any column expression
OrgColumn = ColumnElement[Any] | InstrumentedAttribute[Any]

DEFAULT_TIMEZONE = "Asia/Riyadh"
DEFAULT_WEEKEND = (4, 5)  # Friday, Saturday (Python weekday numbers): a Sunday–Thursday week
DEFAULT_WORK_START = time(8, 0)
DEFAULT_WORK_END = time(16, 0)


def label(org_id: uuid.UUID) -> str:
    return org_id.hex


def path_of(ids: list[uuid.UUID]) -> str:
    return ".".join(label(i) for i in ids)


def path_subquery(org: Any) -> Any:
    """The ltree path of organization `org` (an id, a column or a bind parameter)."""
    return select(organization.c.path).where(organization.c.id == org).scalar_subquery()


def subtree_ids_query(root_id: Any) -> Any:
    """SELECT id of `root_id` and every organization below it (one GiST index scan)."""
    return select(organization.c.id).where(organization.c.path.op("<@")(path_subquery(root_id)))


def in_subtree(org_column: OrgColumn, root_id: Any) -> ColumnElement[bool]:
    """`root_id`: an id, a bind parameter or a scalar expression (statements compiled once)."""
    return org_column.in_(subtree_ids_query(root_id))


def visible_to(principal: Principal, org_column: OrgColumn) -> ColumnElement[bool]:
    """The visibility rule as a WHERE clause on a column holding an organization id."""
    if principal.is_sector_admin:
        return true()
    if principal.organization_id is None:
        return false()
    return in_subtree(org_column, principal.organization_id)


def sees_row(principal: Principal, org_column: OrgColumn) -> ColumnElement[bool]:
    """The visibility rule for fetching single rows: an EXISTS over the row's own
    organization (a primary-key lookup and one ltree comparison), so the check rides in the
    same query as the row instead of costing a second round trip."""
    if principal.is_sector_admin:
        return true()
    if principal.organization_id is None:
        return false()
    return within(org_column, principal.organization_id)


def within(org: Any, root: Any) -> ColumnElement[bool]:
    """Whether organization `org` is `root` or below it; either may be an id, a column or
    a bind parameter (for statements compiled once)."""
    node, top = organization.alias("node"), organization.alias("top")
    # the root's path by its primary key, then one comparison on the node's row
    # (correlated to any enclosing statement, however deep, when `root` is a column)
    root_path = select(top.c.path).where(top.c.id == root).correlate_except(top)
    return exists().where(node.c.id == org, node.c.path.op("<@")(root_path.scalar_subquery()))


async def is_within(session: AsyncSession, org_id: uuid.UUID, root_id: uuid.UUID) -> bool:
    """Whether `org_id` is `root_id` or below it."""
    found = await session.scalar(
        select(organization.c.id).where(
            organization.c.id == org_id,
            organization.c.path.op("<@")(path_subquery(root_id)),
        )
    )
    return found is not None


async def can_see(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> bool:
    if principal.is_sector_admin:
        return (
            await session.scalar(select(organization.c.id).where(organization.c.id == org_id))
            is not None
        )
    if principal.organization_id is None:
        return False
    return await is_within(session, org_id, principal.organization_id)


async def ensure_visible(
    session: AsyncSession,
    principal: Principal,
    org_id: uuid.UUID,
    what_ar: str = "الجهة",
    what_en: str = "organization",
) -> None:
    """404 (never 403) for an organization outside the principal's subtree: ids don't leak."""
    if not await can_see(session, principal, org_id):
        raise NotFound(what_ar, what_en)


@dataclass(frozen=True)
class WorkCalendar:
    """An organization's effective working calendar (inherited from its ancestors)."""

    organization_id: uuid.UUID
    timezone: str
    weekend: tuple[int, ...]
    work_start: time
    work_end: time
    holidays: frozenset[date]


def ancestors_statement(org: Any) -> Any:
    """The organization `org` (an id or a bind parameter) and its ancestors, nearest first."""
    return (
        select(organization)
        .where(organization.c.path.op("@>")(path_subquery(org)))
        .order_by(organization.c.path.desc())
    )


# the fields of an organization's working calendar, each inherited on its own
CALENDAR_FIELDS = ("timezone", "weekend", "work_start", "work_end")


def inherited(name: str, path: Any) -> Any:
    """The calendar field `name` of the deepest organization on `path` (its own value, else
    the nearest ancestor's) that sets it, as a scalar subquery; NULL when none
    does (`calendar_of` then applies the defaults). `path` is an ltree expression: a column
    of an enclosing statement, or `path_subquery(...)`."""
    anc = organization.alias("anc")
    column = anc.c[name]
    return (
        select(column)
        .where(anc.c.path.op("@>")(path), column.is_not(None))
        .order_by(func.nlevel(anc.c.path).desc())
        .limit(1)
        .scalar_subquery()
    )


def holidays_statement(org: Any) -> Any:
    """The holiday dates of `org` and of every organization above it."""
    return select(holiday.c.date).where(
        holiday.c.organization_id.in_(
            select(organization.c.id).where(organization.c.path.op("@>")(path_subquery(org)))
        )
    )


async def ancestors(session: AsyncSession, org_id: uuid.UUID) -> list[dict[str, Any]]:
    """The organization and its ancestors, nearest first."""
    rows = (await session.execute(ancestors_statement(org_id))).mappings()
    return [dict(r) for r in rows]


def calendar_of(
    org_id: uuid.UUID, chain: Sequence[Mapping[str, Any]], holidays: Iterable[date]
) -> WorkCalendar:
    """Time zone, weekend and hours from the nearest ancestor in `chain` (nearest first)
    that sets them; the holidays of the organization and every ancestor (a ministry's
    national holidays apply below it)."""
    if not chain:
        raise NotFound("الجهة", "organization")

    def first(name: str, default: Any) -> Any:
        for row in chain:
            if row[name] is not None:
                return row[name]
        return default

    return WorkCalendar(
        organization_id=org_id,
        timezone=first("timezone", DEFAULT_TIMEZONE),
        weekend=tuple(first("weekend", DEFAULT_WEEKEND)),
        work_start=first("work_start", DEFAULT_WORK_START),
        work_end=first("work_end", DEFAULT_WORK_END),
        holidays=frozenset(holidays),
    )


async def work_calendar(session: AsyncSession, org_id: uuid.UUID) -> WorkCalendar:
    """The effective calendar of `org_id` (see `calendar_of`)."""
    chain = await ancestors(session, org_id)
    holidays = await session.scalars(holidays_statement(org_id)) if chain else ()
    return calendar_of(org_id, chain, holidays)
