"""SQL for conflicts: pairs of stored occurrences that collide, found with the GiST
indexes on `span`/`days` (`&&`) across a ministry tree."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    String,
    and_,
    any_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.calendar.models import Entry, Occurrence
from services.common.db import Prepared, driver_of
from services.common.orgtree import in_subtree, subtree_ids_query, within

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
        in_subtree(b.organization_id, sector_root),
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
        "channel", not_blackout, order, a.span.op("&&")(b.span), a.channels.overlap(b.channels)
    )
    audience = reason(
        "audience", not_blackout, order, a.days.op("&&")(b.days), a.audiences.overlap(b.audiences)
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


@dataclass(frozen=True)
class Draft:
    """What the dry-run check asks about an entry that is not stored: its organization,
    kind, resolved channels, audiences and spokesperson, and its occurrences' times (a
    draft has no overrides, so these are the same for every occurrence)."""

    organization_id: uuid.UUID
    kind: str
    channels: list[str]
    audiences: list[str]
    spokesperson_id: uuid.UUID | None
    recurrence_ids: list[str]
    starts: list[datetime]
    ends: list[datetime]
    first_days: list[date]
    end_days: list[date]  # exclusive


# the shapes of the draft's statement: which reasons it asks (a blackout asks none; a
# draft without channels, audiences or spokesperson skips those)
REASONS = ("channel", "audience", "spokesperson", "blackout")


def _draft_pairs(reasons: tuple[str, ...]) -> Prepared:
    """The stored occurrences the draft's occurrences collide with, each reason one
    indexed join (`&&` on the GiST indexes of `span`/`days`) from the draft's occurrences
    passed as arrays; the other side's description in the same rows. Compiled once per
    shape (building the statement cost more than running it)."""
    a = (
        func.unnest(
            bindparam("recurrence_ids", type_=ARRAY(String())),
            bindparam("starts", type_=ARRAY(DateTime(timezone=True))),
            bindparam("ends", type_=ARRAY(DateTime(timezone=True))),
            bindparam("first_days", type_=ARRAY(Date())),
            bindparam("end_days", type_=ARRAY(Date())),
        )
        .table_valued("recurrence_id", "starts_at", "ends_at", "first_day", "end_day")
        .render_derived(name="a")
    )
    a_span = func.tstzrange(a.c.starts_at, a.c.ends_at, literal("[)"))
    a_days = func.daterange(a.c.first_day, a.c.end_day, literal("[)"))
    b, other = aliased(Occurrence, name="b"), aliased(Entry, name="other")
    base_b = and_(
        b.cancelled.is_(False),
        b.status == any_(literal(list(HOLDING), ARRAY(String()))),
        b.organization_id.in_(subtree_ids_query(bindparam("root", type_=UUID(as_uuid=True)))),
    )
    not_blackout = b.kind != literal("blackout")

    def reason(name: str, *conditions: Any, refused: Any = None) -> Any:
        return (
            select(
                literal(name).label("reason"),
                a.c.recurrence_id.label("a_recurrence_id"),
                b.entry_id.label("b_entry_id"),
                b.recurrence_id.label("b_recurrence_id"),
                b.organization_id,
                b.kind,
                b.starts_at,
                b.ends_at,
                b.channels,
                b.audiences,
                other.title_ar,
                (refused if refused is not None else literal(False)).label("refused"),
            )
            .select_from(a)
            .join(b, and_(base_b, *conditions))
            .join(other, other.id == b.entry_id)
        )

    statements: dict[str, Callable[[], Any]] = {
        "channel": lambda: reason(
            "channel",
            not_blackout,
            b.span.op("&&")(a_span),
            b.channels.overlap(bindparam("channels", type_=Occurrence.channels.type)),
        ),
        "audience": lambda: reason(
            "audience",
            not_blackout,
            b.days.op("&&")(a_days),
            b.audiences.overlap(bindparam("audiences", type_=Occurrence.audiences.type)),
        ),
        "spokesperson": lambda: reason(
            "spokesperson",
            not_blackout,
            b.spokesperson_id == bindparam("spokesperson_id", type_=UUID(as_uuid=True)),
            b.span.op("&&")(a_span),
        ),
        "blackout": lambda: reason(
            "blackout",
            b.kind == literal("blackout"),
            b.span.op("&&")(a_span),
            within(bindparam("organization_id", type_=UUID(as_uuid=True)), b.organization_id),
            refused=other.enforcement == literal("refuse"),
        ).where(
            or_(
                func.cardinality(other.blocks) == literal(0),
                bindparam("kind", type_=String()) == other.blocks.any_(),
            )
        ),
    }
    selects: list[Any] = [statements[name]() for name in reasons]
    stmt: Any = union_all(*selects) if len(selects) > 1 else selects[0]
    return Prepared(stmt.limit(literal(MAX_PAIRS)))


_DRAFT_PAIRS: dict[tuple[str, ...], Prepared] = {}


async def of_draft(session: AsyncSession, draft: Draft, sector_root: uuid.UUID) -> list[Any]:
    """`of_entry` for an entry that is not stored: one statement, the other occurrences
    described in its rows (mappings)."""
    if draft.kind == "blackout" or not draft.recurrence_ids:
        return []
    asked = {
        "channel": bool(draft.channels),
        "audience": bool(draft.audiences),
        "spokesperson": draft.spokesperson_id is not None,
        "blackout": True,
    }
    shape = tuple(name for name in REASONS if asked[name])
    prepared = _DRAFT_PAIRS.get(shape)
    if prepared is None:
        prepared = _DRAFT_PAIRS[shape] = _draft_pairs(shape)
    values = {
        "recurrence_ids": draft.recurrence_ids,
        "starts": draft.starts,
        "ends": draft.ends,
        "first_days": draft.first_days,
        "end_days": draft.end_days,
        "root": sector_root,
        "channels": draft.channels,
        "audiences": draft.audiences,
        "spokesperson_id": draft.spokesperson_id,
        "organization_id": draft.organization_id,
        "kind": draft.kind,
    }
    wanted = set(prepared.names)
    return await prepared.rows(
        await driver_of(session), **{k: v for k, v in values.items() if k in wanted}
    )


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
