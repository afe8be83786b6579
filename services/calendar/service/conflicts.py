"""Conflicts: what an entry's occurrences collide with across its ministry tree.

Reasons: `channel` (the same directory channel, overlapping in time), `audience` (the same
audience on the same local day), `spokesperson` (one person in two places), `blackout`
(inside a blackout entry of the organization or an ancestor that blocks the kind) and
`occasion` (on a day-off occasion of the organization's region). A dry-run check stores
the draft's occurrences inside a savepoint, asks the same indexed queries and rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import occasions as occasion_domain
from services.calendar.errors import blackout
from services.calendar.models import Entry
from services.calendar.repository import conflicts as repo
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import occurrences as occurrence_repo

# occasions' day-off conflicts, set by the occasions service (avoids an import cycle):
# (session, occurrences, sector root, titles of their entries when known)
OccasionCheck = Callable[..., Awaitable[list[dict[str, Any]]]]
occasion_checks: list[OccasionCheck] = []


def _ref(row: Any) -> dict[str, Any]:
    return {
        "entry_id": row.entry_id,
        "recurrence_id": row.recurrence_id,
        "organization_id": row.organization_id,
        "kind": row.kind,
        "title_ar": row.title_ar,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
    }


def _value(pair: Any) -> str | None:
    return value_of(
        pair.reason,
        pair.a_channels,
        pair.b_channels,
        pair.a_audiences,
        pair.b_audiences,
        pair.spokesperson_id,
    )


async def _described(
    session: AsyncSession, pairs: Sequence[Any], *, dedupe: bool
) -> list[dict[str, Any]]:
    keys = {(p.a_entry_id, p.a_recurrence_id) for p in pairs} | {
        (p.b_entry_id, p.b_recurrence_id) for p in pairs
    }
    rows = await repo.occurrences(session, keys)
    seen: set[Any] = set()
    out = []
    for p in pairs:
        a, b = (p.a_entry_id, p.a_recurrence_id), (p.b_entry_id, p.b_recurrence_id)
        key = (p.reason, frozenset((a, b)))
        if dedupe and key in seen:
            continue
        seen.add(key)
        if a not in rows or b not in rows:
            continue
        out.append(
            {
                "reason": p.reason,
                "occurrence": _ref(rows[a]),
                "other": _ref(rows[b]),
                "value": _value(p),
                "refused": bool(p.refused),
            }
        )
    out.sort(key=lambda c: (c["occurrence"]["starts_at"], c["reason"]))
    return out


async def _sector_root(session: AsyncSession, org_id: uuid.UUID) -> uuid.UUID:
    return await directory_repo.root_of(session, org_id) or org_id


async def of_entry(session: AsyncSession, entry: Entry) -> list[dict[str, Any]]:
    """The conflicts of a stored entry's occurrences (it need not hold a place itself)."""
    root = await _sector_root(session, entry.organization_id)
    pairs = await repo.of_entry(session, entry.id, root)
    found = await _described(session, pairs, dedupe=False)
    for check in occasion_checks:
        found += await check(session, await occurrence_repo.of_entry(session, entry.id), root)
    return found


def value_of(
    reason: str,
    a_channels: Sequence[str],
    b_channels: Sequence[str],
    a_audiences: Sequence[str],
    b_audiences: Sequence[str],
    spokesperson_id: uuid.UUID | None,
) -> str | None:
    """What the two occurrences share for `reason` (as `_value` of a stored pair)."""
    if reason == "channel":
        shared = sorted(set(a_channels) & set(b_channels))
        return shared[0] if shared else None
    if reason == "audience":
        shared = sorted(set(a_audiences) & set(b_audiences))
        return shared[0] if shared else None
    if reason == "spokesperson":
        return str(spokesperson_id)
    return None


async def in_window(
    session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    root = await _sector_root(session, organization_id)
    pairs = await repo.in_window(session, organization_id, root, start, end)
    found = await _described(session, pairs, dedupe=True)
    if occasion_checks:
        held = await repo.holding_in_window(session, organization_id, start, end)
        for check in occasion_checks:
            found += await check(session, held, root)
    return found


def occasion_conflicts(
    occurrences: Sequence[Any],
    occasions: Sequence[Any],
    confirmed: Mapping[uuid.UUID, dict[int, date]],
    titles: Mapping[uuid.UUID, str],
) -> list[dict[str, Any]]:
    """The `occasion` reason: `occurrences` (live, not blackouts or occasions) on a day
    off of `occasions` (the day-off occasions of the tree's region, in code order: the
    first one names a day), with their moon-sighting `confirmed` starts by occasion;
    `titles` of the occurrences' entries."""
    years = sorted(
        {o.days.lower.year for o in occurrences} | {o.days.upper.year for o in occurrences}
    )
    off: dict[date, Any] = {}
    for occasion in occasions:
        sighted = tuple(sorted(confirmed.get(occasion.id, {}).items()))
        for year in years:
            for day in _days_off(
                occasion.calendar,
                occasion.month,
                occasion.day,
                occasion.duration_days,
                year,
                sighted,
            ):
                off.setdefault(day, occasion)
    out = []
    for o in occurrences:
        day = o.days.lower
        while day < o.days.upper:
            if day in off:
                out.append(
                    {
                        "reason": "occasion",
                        "occurrence": {
                            "entry_id": o.entry_id,
                            "recurrence_id": o.recurrence_id,
                            "organization_id": o.organization_id,
                            "kind": o.kind,
                            "title_ar": titles.get(o.entry_id, ""),
                            "starts_at": o.starts_at,
                            "ends_at": o.ends_at,
                        },
                        "other": None,
                        "value": off[day].name_ar,
                        "refused": False,
                    }
                )
                break
            day += timedelta(days=1)
    return out


@lru_cache(maxsize=4096)
def _days_off(
    calendar: str,
    month: int,
    day: int,
    duration_days: int,
    year: int,
    sighted: tuple[tuple[int, date], ...],
) -> tuple[date, ...]:
    """The days of an occasion's dates that start in a Gregorian year, with its
    confirmed starts (`sighted`): computed once per value (Umm al-Qura conversions)."""
    return tuple(
        d
        for dated in occasion_domain.dates_in(
            calendar, month, day, duration_days, year, dict(sighted)
        )
        for d in occasion_domain.days_of(dated)
    )


def holds_a_day(occurrence: Any) -> bool:
    """Whether an occurrence can fall on a day off (the `occasion` reason)."""
    return not occurrence.cancelled and occurrence.kind not in {"blackout", "occasion"}


def refuse_blackouts(found: Sequence[dict[str, Any]]) -> None:
    refused = [c for c in found if c["reason"] == "blackout" and c["refused"]]
    if refused:
        raise blackout(
            [
                {
                    "reason": "blackout",
                    "entry_id": str(c["other"]["entry_id"]),
                    "title_ar": c["other"]["title_ar"],
                    "recurrence_id": c["occurrence"]["recurrence_id"],
                }
                for c in refused[:20]
            ]
        )
