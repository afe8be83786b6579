"""SQL for conflicts: pairs of stored occurrences that collide, found with the GiST
indexes on `span`/`days` (`&&`) across a ministry tree."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.calendar.models import Entry, Occurrence
from services.calendar.repository.base import in_tree, unindexed
from services.common.orgtree import in_subtree, within

# occurrences of these statuses collide with others (drafts, rejected, cancelled and
# suspended ones hold no place)
HOLDING = ("pending", "approved")
MAX_PAIRS = 500


def _pairs(a_where: Callable[[Any], Any], sector_root: uuid.UUID, symmetric: bool) -> Any:
    a, b = aliased(Occurrence, name="a"), aliased(Occurrence, name="b")
    blackout = aliased(Entry, name="blackout_entry")
    base_b = and_(
        b.entry_id != a.entry_id,
        b.cancelled.is_(False),
        b.status.in_(HOLDING),
        in_tree(b.organization_id, sector_root),
    )
    order = a.entry_id < b.entry_id if symmetric else literal(True)
    columns = (
        a.entry_id.label("a_entry_id"),
        a.recurrence_id.label("a_recurrence_id"),
        b.entry_id.label("b_entry_id"),
        b.recurrence_id.label("b_recurrence_id"),
    )

    def reason(name: str, *conditions: Any, refuse: Any = None) -> Any:
        stmt = (
            select(
                literal(name).label("reason"),
                *columns,
                (refuse if refuse is not None else literal(False)).label("refused"),
                a.channels.label("a_channels"),
                b.channels.label("b_channels"),
                a.audiences.label("a_audiences"),
                b.audiences.label("b_audiences"),
                a.spokesperson_id.label("spokesperson_id"),
            )
            .select_from(a)
            .join(b, and_(base_b, *conditions))
            .where(a_where(a), a.cancelled.is_(False))
        )
        return stmt

    not_blackout = and_(a.kind != "blackout", b.kind != "blackout")
    channel = reason(
        "channel",
        not_blackout,
        order,
        a.span.op("&&")(b.span),
        a.channels.overlap(unindexed(b.channels)),
    )
    audience = reason(
        "audience",
        not_blackout,
        order,
        a.days.op("&&")(b.days),
        a.audiences.overlap(unindexed(b.audiences)),
    )
    spokesperson = reason(
        "spokesperson",
        not_blackout,
        order,
        a.spokesperson_id.is_not(None),
        a.spokesperson_id == b.spokesperson_id,
        a.span.op("&&")(b.span),
    )
    blackout_stmt = (
        reason(
            "blackout",
            a.kind != "blackout",
            b.kind == "blackout",
            a.span.op("&&")(b.span),
            within(a.organization_id, b.organization_id),
            refuse=blackout.enforcement == "refuse",
        )
        .join(blackout, blackout.id == b.entry_id)
        .where(or_(func.cardinality(blackout.blocks) == 0, a.kind == blackout.blocks.any_()))
    )
    return union_all(channel, audience, spokesperson, blackout_stmt).limit(MAX_PAIRS)


async def of_entry(session: AsyncSession, entry_id: uuid.UUID, sector_root: uuid.UUID) -> list[Any]:
    stmt = _pairs(lambda a: a.entry_id == entry_id, sector_root, symmetric=False)
    return list(await session.execute(stmt))


async def in_window(
    session: AsyncSession,
    organization_id: uuid.UUID,
    sector_root: uuid.UUID,
    start: datetime,
    end: datetime,
) -> list[Any]:
    window = func.tstzrange(start, end, "[)")

    def where(a: Any) -> Any:
        return and_(
            a.span.op("&&")(window),
            a.status.in_(HOLDING),
            in_subtree(a.organization_id, organization_id),
        )

    return list(await session.execute(_pairs(where, sector_root, symmetric=False)))


async def occurrences(
    session: AsyncSession, keys: set[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], Any]:
    if not keys:
        return {}
    pairs = list(keys)
    rows = await session.execute(
        select(
            Occurrence.entry_id,
            Occurrence.recurrence_id,
            Occurrence.organization_id,
            Occurrence.kind,
            Occurrence.starts_at,
            Occurrence.ends_at,
            Entry.title_ar,
        )
        .join(Entry, Entry.id == Occurrence.entry_id)
        .where(tuple_(Occurrence.entry_id, Occurrence.recurrence_id).in_(pairs))
    )
    return {(r.entry_id, r.recurrence_id): r for r in rows}


async def holding_in_window(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime
) -> list[Occurrence]:
    """Pending and approved occurrences of a subtree inside a window (for the occasion
    reason, which is checked against computed dates rather than rows)."""
    return list(
        await session.scalars(
            select(Occurrence)
            .where(
                Occurrence.span.op("&&")(func.tstzrange(start, end, "[)")),
                Occurrence.status.in_(HOLDING),
                Occurrence.cancelled.is_(False),
                Occurrence.kind != "blackout",
                in_subtree(Occurrence.organization_id, organization_id),
            )
            .limit(MAX_PAIRS)
        )
    )
