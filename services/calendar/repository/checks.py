"""SQL of the dry-run conflict check, on the read pool: what the draft's organization
brings (`context`: one statement) and the stored occurrences its occurrences collide with
(`draft_pairs`: one statement), each compiled once per shape."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy import (
    Date,
    DateTime,
    String,
    and_,
    any_,
    bindparam,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, aggregate_order_by
from sqlalchemy.orm import aliased

from services.calendar.models import Confirmation, Entry, Occasion, Occurrence
from services.calendar.repository.base import in_tree, unindexed
from services.calendar.repository.conflicts import HOLDING, MAX_PAIRS
from services.calendar.repository.directory import root_expression, user
from services.common.db import Prepared
from services.common.orgtree import (
    channel,
    inherited,
    organization,
    path_subquery,
    within,
)


@dataclass(frozen=True)
class DraftContext:
    """What a draft of an organization needs from the database before its occurrences
    can be computed and asked about: whether the caller sees the organization, its time
    zone (inherited), the root of its tree and the root's time zone (for the occasions of
    its region), whether the spokesperson exists, the channels it may name (of it and its
    ancestors, nearest first: `(id, kind)`), and the active day-off occasions of every
    region with their moon-sighting confirmations."""

    visible: bool
    timezone: str | None
    root: uuid.UUID
    root_timezone: str | None
    spokesperson: bool
    channels: list[tuple[str, str]]
    occasions: list[DayOff]  # shared between checks: read only


@dataclass(frozen=True)
class DayOff:
    """A day-off occasion as the `occasion` conflict reason reads it."""

    id: uuid.UUID
    region: str | None
    name_ar: str
    calendar: str
    month: int
    day: int
    duration_days: int
    confirmed: dict[int, date]  # Hijri year → the sighted start


UUID_TYPE = UUID(as_uuid=True)


def constant(value: Any, type_: Any = None) -> Any:
    """A constant written into the compiled SQL (rendered by SQLAlchemy's literal
    processors) rather than sent as a parameter, so the generic plan of a prepared
    statement knows it: with `kind = $1` the planner cannot tell that blackouts are rare."""
    bound = literal(value, type_)
    text = bound.compile(dialect=Prepared._dialect, compile_kwargs={"literal_binds": True})
    return literal_column(str(text), bound.type)


@lru_cache(maxsize=16)
def _context(sector_admin: bool, reader: bool, spokesperson: bool) -> Prepared:
    org = bindparam("organization_id", type_=UUID_TYPE)
    path = path_subquery(org)
    if sector_admin:
        visible: Any = exists().where(organization.c.id == org)
    elif reader:
        visible = within(org, bindparam("reader", type_=UUID_TYPE))
    else:
        visible = false()
    root = func.coalesce(root_expression(org), org)
    chain = organization.alias("chain")
    channels = (
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_array(channel.c.id, channel.c.kind),
                    func.nlevel(chain.c.path).desc(),
                )
            )
        )
        .select_from(channel.join(chain, chain.c.id == channel.c.organization_id))
        .where(chain.c.path.op("@>")(path), channel.c.active.is_(True))
        .scalar_subquery()
    )
    confirmed = (
        select(func.json_object_agg(Confirmation.hijri_year, Confirmation.start_date))
        .where(Confirmation.occasion_id == Occasion.id)
        .scalar_subquery()
    )
    occasions = (
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_array(
                        Occasion.id,
                        Occasion.region,
                        Occasion.name_ar,
                        Occasion.calendar,
                        Occasion.month,
                        Occasion.day,
                        Occasion.duration_days,
                        confirmed,
                    ),
                    Occasion.code,
                )
            )
        )
        .where(Occasion.day_off.is_(True), Occasion.active.is_(True))
        .scalar_subquery()
    )
    speaker: Any = literal(False)
    if spokesperson:
        speaker = exists().where(user.c.id == bindparam("spokesperson_id", type_=UUID_TYPE))
    return Prepared(
        select(
            visible.label("visible"),
            inherited("timezone", path).label("timezone"),
            root.label("root"),
            inherited("timezone", path_subquery(root)).label("root_timezone"),
            speaker.label("spokesperson"),
            channels.label("channels"),
            occasions.label("occasions"),
        )
    )


async def context(
    pool: asyncpg.Pool,
    organization_id: uuid.UUID,
    *,
    sector_admin: bool,
    reader: uuid.UUID | None,
    spokesperson_id: uuid.UUID | None,
) -> DraftContext:
    """The `DraftContext` of a draft of `organization_id` read by a caller of
    organization `reader` (or a sector admin): one statement on the read pool."""
    prepared = _context(sector_admin, reader is not None, spokesperson_id is not None)
    values = {
        "organization_id": organization_id,
        "reader": reader,
        "spokesperson_id": spokesperson_id,
    }
    row = await prepared.one(pool, **{k: v for k, v in values.items() if k in prepared.names})
    assert row is not None  # a SELECT without FROM: always one row
    return DraftContext(
        visible=bool(row.visible),
        timezone=row.timezone,
        root=row.root,
        root_timezone=row.root_timezone,
        spokesperson=bool(row.spokesperson),
        channels=[(i, kind) for i, kind in json.loads(row.channels or "[]")],
        occasions=list(_days_off(row.occasions or "[]")),
    )


@lru_cache(maxsize=64)
def _days_off(text: str) -> tuple[DayOff, ...]:
    """The occasions' JSON as `DayOff`s, parsed once per content (the same for every
    check until an occasion or a confirmation changes; never mutated)."""
    return tuple(_day_off(o) for o in json.loads(text))


def _day_off(item: list[Any]) -> DayOff:
    id_, region, name_ar, calendar, month, day, duration, confirmed = item
    return DayOff(
        id=uuid.UUID(id_),
        region=region,
        name_ar=name_ar,
        calendar=calendar,
        month=month,
        day=day,
        duration_days=duration,
        confirmed={int(y): date.fromisoformat(d) for y, d in (confirmed or {}).items()},
    )


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
    shape (building the statement cost more than running it).

    Everything but the draft's occurrences and the time indexes is asked per row (the
    other entry's columns and the trees as scalar subqueries by primary key, constants
    written into the SQL), so that no generic plan can start elsewhere: the blackout arm's
    walked every entry (30-45 ms)."""
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
    a_span = func.tstzrange(a.c.starts_at, a.c.ends_at, constant("[)"))
    a_days = func.daterange(a.c.first_day, a.c.end_day, constant("[)"))
    b, other = aliased(Occurrence, name="b"), aliased(Entry, name="other")
    base_b = and_(
        b.cancelled.is_(False),
        b.status == any_(constant(list(HOLDING), ARRAY(String()))),
        in_tree(b.organization_id, bindparam("root", type_=UUID_TYPE)),
    )
    not_blackout = b.kind != constant("blackout")

    def overlaps(column: Any, name: str) -> Any:
        # (the GIN index's bitmap cost 0.3–0.6 ms of the statement's 1.4: `unindexed`)
        return unindexed(column).overlap(bindparam(name, type_=Occurrence.channels.type))

    def of_other(column: Any) -> Any:
        # a column of the other occurrence's entry, by its primary key
        return select(column).where(other.id == b.entry_id).scalar_subquery()

    def reason(name: str, *conditions: Any, refused: Any = None) -> Any:
        return (
            select(
                constant(name).label("reason"),
                a.c.recurrence_id.label("a_recurrence_id"),
                b.entry_id.label("b_entry_id"),
                b.recurrence_id.label("b_recurrence_id"),
                b.organization_id,
                b.kind,
                b.starts_at,
                b.ends_at,
                b.channels,
                b.audiences,
                of_other(other.title_ar).label("title_ar"),
                (refused if refused is not None else constant(False)).label("refused"),
            )
            .select_from(a)
            .join(b, and_(base_b, *conditions))
        )

    statements: dict[str, Callable[[], Any]] = {
        "channel": lambda: reason(
            "channel",
            not_blackout,
            b.span.op("&&")(a_span),
            overlaps(b.channels, "channels"),
        ),
        "audience": lambda: reason(
            "audience",
            not_blackout,
            b.days.op("&&")(a_days),
            overlaps(b.audiences, "audiences"),
        ),
        "spokesperson": lambda: reason(
            "spokesperson",
            not_blackout,
            b.spokesperson_id == bindparam("spokesperson_id", type_=UUID(as_uuid=True)),
            b.span.op("&&")(a_span),
        ),
        "blackout": lambda: reason(
            "blackout",
            b.kind == constant("blackout"),
            b.span.op("&&")(a_span),
            # the draft's organization is the blackout's or below it
            in_tree(bindparam("organization_id", type_=UUID_TYPE), b.organization_id),
            of_other(
                or_(
                    func.cardinality(other.blocks) == constant(0),
                    bindparam("kind", type_=String()) == other.blocks.any_(),
                )
            ),
            refused=of_other(other.enforcement) == constant("refuse"),
        ),
    }
    selects: list[Any] = [statements[name]() for name in reasons]
    stmt: Any = union_all(*selects) if len(selects) > 1 else selects[0]
    return Prepared(stmt.limit(constant(MAX_PAIRS)))


_DRAFT_PAIRS: dict[tuple[str, ...], Prepared] = {}


async def draft_pairs(pool: asyncpg.Pool, draft: Draft, sector_root: uuid.UUID) -> list[Any]:
    """The stored occurrences the draft's collide with, as `conflicts.of_entry` finds a
    stored entry's: one statement on the read pool, the other occurrences described in
    its rows (mappings)."""
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
    return await prepared.all(pool, **{k: v for k, v in values.items() if k in wanted})
