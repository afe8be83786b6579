"""Shared SQL helpers of the calendar: who reads what, flushing with duplicate detection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, literal, literal_column, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.calendar.errors import duplicate
from services.common.auth import Principal
from services.common.orgtree import in_subtree, organization

SHARED = ("sector", "public")

UNIQUE_FIELDS: dict[str, tuple[str, str, str]] = {
    "uq_calendar_entry_external": ("external_id", "المعرّف الخارجي", "external id"),
    "uq_calendar_occasion_code": ("code", "الرمز", "code"),
}


def readable(
    principal: Principal,
    org_column: Any,
    status_column: Any,
    visibility_column: Any,
    sector_root: Any = None,
) -> ColumnElement[bool]:
    """Entries (or occurrences) the principal reads: its subtree's, except other
    organizations' drafts; with `sector_root` (an id, or an expression: `reader_root`),
    also the `sector` and `public` entries of that tree that are not drafts."""
    return readable_by(
        principal.is_sector_admin,
        principal.organization_id,
        org_column,
        status_column,
        visibility_column,
        sector_root,
    )


def readable_by(
    sector_admin: bool,
    organization: Any,
    org_column: Any,
    status_column: Any,
    visibility_column: Any,
    sector_root: Any = None,
) -> ColumnElement[bool]:
    """`readable` for a reader given by its parts: whether it is a sector admin, and its
    organization (an id, a bind parameter of a statement compiled once, or None)."""
    if organization is not None:
        own_drafts: ColumnElement[bool] = org_column == organization
        sees: ColumnElement[bool] = true() if sector_admin else in_subtree(org_column, organization)
    else:
        own_drafts = false()
        sees = true() if sector_admin else false()
    clause: ColumnElement[bool] = and_(sees, or_(status_column != "draft", own_drafts))
    if sector_root is not None:
        clause = or_(
            clause,
            and_(
                # each value its own parameter (not an expanding IN): compiles once
                visibility_column.in_([literal(v) for v in SHARED]),
                status_column != "draft",
                in_subtree(org_column, sector_root),
            ),
        )
    return clause


def in_tree(org_column: Any, root: Any) -> Any:
    """Whether the organization in `org_column` is `root` or below it, as a filter of each
    row (its path by primary key, a scalar subquery PostgreSQL never turns into a join),
    for the conflicts' joins, where the time indexes must drive. Not
    `orgtree.in_subtree`: with the organizations' table unanalyzed (a tree of fewer than
    50 organizations is never analyzed by autovacuum) the planner took a ministry's
    subtree for one organization and walked each one's occurrences — the dry-run check's
    pairs in the generic plan of its prepared statement, 200–350 ms instead of 2; a
    month's conflicts of an organization, 1.2–2.8 s instead of 45–140 ms. Asked per row,
    the tree cannot drive the join: the GiST indexes on `span`/`days` do."""
    node, top = organization.alias("node"), organization.alias("top")
    path = select(node.c.path).where(node.c.id == org_column).scalar_subquery()
    root_path = select(top.c.path).where(top.c.id == root).scalar_subquery()
    return path.op("<@")(root_path)


async def flush(session: AsyncSession) -> None:
    """Flush; a unique violation becomes a 409 naming the field."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        for name, field in UNIQUE_FIELDS.items():
            if name in message:
                raise duplicate(*field) from exc
        raise


def unindexed(array_column: Any) -> Any:
    """`array_column || '{}'`: the same array, as an expression its GIN index cannot serve.
    The conflicts' overlaps of channels and audiences test the few rows the GiST index on
    `span`/`days` finds; left to choose, the planner ANDed that index's bitmap with the GIN
    bitmap of a common channel or audience (a third of the table), most of a statement's
    time for nothing."""
    return array_column.concat(literal_column("'{}'::text[]", array_column.type))
