"""The calendar scenarios on 10,000 entries of the bench's ministry tree (26 organizations),
a third of them recurring (weekly, monthly, and monthly on the Hijri calendar), spread over
the current year; their occurrences computed by the service's own recurrence code and
written with COPY (once: the rows are kept between runs, marked `external_source =
'bench'`).

(a) GET /v1/calendar/entries for one month with `scope=sector`, as a municipality's
    coordinator (its subtree plus every shared entry of the tree): p95 ≤ 30 ms, on the
    service and through the gateway; the same list searched (issue 18) over the whole
    year, on the service — `q` a word of about one title in nine (a channel's name, with
    an article the titles do not have), in start order and with `sort=relevance` and
    `highlight=true`: p95 ≤ 30 ms too;
(b) POST /v1/calendar/conflicts/check, a dry-run of a one-hour post on a shared channel:
    p95 ≤ 20 ms;
(c) GET /v1/calendar/feeds/{token}.ics of the ministry's subtree (all 10,000 entries):
    p95 ≤ 300 ms. The first read writes every entry's VEVENTs; later ones reuse them (and
    the feed's body while its ETag holds), which is what subscribed clients polling every
    hour see. The first read's time is printed while preparing.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from bench import seed
from bench.harness import BENCH_DIR, Stack
from bench.scenarios import (
    Goal,
    Scenario,
    Target,
    bare_select_one,
    mint_token,
    one_at_a_time,
)
from services.calendar.domain.recurrence import instances
from services.calendar.models import Entry
from services.calendar.service.entries import search_text_of
from services.calendar.service.materialize import occurrence_row, series_of

RESULTS = BENCH_DIR / "results"
ENTRIES = 10_000
RANGE_P95_MS = 30.0
CHECK_P95_MS = 20.0
FEED_P95_MS = 300.0
FEED_TOKEN = "bench-calendar-feed-token-0001"  # noqa: S105
FEED_ID = uuid.UUID("00000000-0000-4000-8000-00000000f001")
KINDS = ("media_event", "press_conference", "publication", "social_post", "community_event")
AUDIENCES = ("citizens", "residents", "media", "youth", "families", "investors", "visitors")
RULES = (
    "FREQ=WEEKLY;COUNT=12",
    "FREQ=MONTHLY;COUNT=6",
    "RSCALE=ISLAMIC-UMALQURA;FREQ=MONTHLY;COUNT=6",
)
YEAR = datetime.now(UTC).year
MONTH_START = datetime(YEAR, 5, 1, tzinfo=ZoneInfo("Asia/Riyadh"))
MONTH_END = datetime(YEAR, 6, 1, tzinfo=ZoneInfo("Asia/Riyadh"))
ENTRY_COLUMNS = (
    "id", "organization_id", "kind", "title_ar", "search_text", "all_day", "starts_at",
    "ends_at", "timezone", "rrule", "exdates", "channels", "audiences", "visibility",
    "status", "version", "series_span", "external_source", "external_id", "blocks",
    "created_by", "updated_by",
)  # fmt: skip
OCCURRENCE_COLUMNS = (
    "entry_id", "recurrence_id", "organization_id", "kind", "status", "visibility",
    "channels", "audiences", "spokesperson_id", "starts_at", "ends_at", "start_date",
    "end_date", "span", "days", "overridden", "cancelled",
)  # fmt: skip


def _range(value: object) -> asyncpg.Range:
    return asyncpg.Range(value.lower, value.upper, upper_inc=False)  # type: ignore[attr-defined]


def generate() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    rng = random.Random(15)
    tz = ZoneInfo("Asia/Riyadh")
    entries: list[tuple[Any, ...]] = []
    occurrences: list[tuple[Any, ...]] = []
    for i in range(ENTRIES):
        org = seed.org_id(rng.randrange(seed.ORG_COUNT))
        day = datetime(YEAR, 1, 1, tzinfo=tz) + timedelta(days=rng.randrange(330))
        starts = day.replace(hour=rng.randrange(8, 20))
        slot = rng.randrange(len(seed.CHANNELS))
        entry = Entry(
            id=uuid.uuid5(FEED_ID, str(i)),
            organization_id=org,
            kind=rng.choice(KINDS),
            title_ar=f"فعالية القياس رقم {i} — {seed.CHANNELS[slot][1]}",
            all_day=False,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            timezone="Asia/Riyadh",
            rrule=RULES[i // 3 % 3] if i % 3 == 0 else None,
            exdates=[],
            channels=[seed.CHANNELS[slot][0]],
            audiences=rng.sample(AUDIENCES, 2),
            visibility="sector" if rng.random() < 0.5 else "organization",
            status="approved" if rng.random() < 0.7 else "pending",
            version=1,
            spokesperson_id=None,
            blocks=[],
        )
        rows = [occurrence_row(entry, inst, None, tz) for inst in instances(series_of(entry))]
        for row in rows:
            row["channels"] = [str(seed.channel_id(slot))]
        first, last = rows[0]["span"], rows[-1]["span"]
        entries.append(
            (
                entry.id, org, entry.kind, entry.title_ar, search_text_of(entry), False,
                entry.starts_at, entry.ends_at, entry.timezone, entry.rrule, "[]",
                entry.channels, entry.audiences, entry.visibility, entry.status, 1,
                asyncpg.Range(first.lower, last.upper, upper_inc=False), "bench",
                f"bench-{i}", [], "bench", "bench",
            )
        )  # fmt: skip
        for row in rows:
            occurrences.append(
                tuple(
                    _range(row[c]) if c in {"span", "days"} else row[c] for c in OCCURRENCE_COLUMNS
                )
            )
    return entries, occurrences


_prepared: set[str] = set()


async def prepare(stack: Stack) -> None:
    if stack.database_url in _prepared:
        return
    conn = await asyncpg.connect(stack.database_url)
    try:
        await seed.seed_directory(conn)
        count = await conn.fetchval(
            "SELECT count(*) FROM calendar_entry WHERE external_source = 'bench'"
        )
        if count != ENTRIES:
            started = time.perf_counter()
            await conn.execute("DELETE FROM calendar_entry WHERE external_source = 'bench'")
            entries, occurrences = generate()
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "calendar_entry", records=entries, columns=ENTRY_COLUMNS
                )
                await conn.copy_records_to_table(
                    "calendar_occurrence", records=occurrences, columns=OCCURRENCE_COLUMNS
                )
            await conn.execute("ANALYZE calendar_entry")
            await conn.execute("ANALYZE calendar_occurrence")
            print(
                f"  {ENTRIES} entries, {len(occurrences)} occurrences written in "
                f"{time.perf_counter() - started:.1f} s"
            )
        await conn.execute(
            """INSERT INTO calendar_feed (id, organization_id, name, scope, statuses, token_hash)
               VALUES ($1, $2, 'feed bench', 'subtree', $3, $4)
               ON CONFLICT (id) DO NOTHING""",
            FEED_ID,
            seed.org_id(0),
            ["pending", "approved", "done", "suspended", "cancelled"],
            hashlib.sha256(FEED_TOKEN.encode()).hexdigest(),
        )
    finally:
        await conn.close()
    RESULTS.mkdir(exist_ok=True)
    check_body_file().write_text(json.dumps(CHECK_BODY, ensure_ascii=False), encoding="utf-8")
    _prepared.add(stack.database_url)


CHECK_BODY = {
    "organization_id": str(seed.org_id(10)),
    "kind": "social_post",
    "title_ar": "منشور توعوي عن النظافة",
    "starts_at": MONTH_START.replace(day=12, hour=10).isoformat(),
    "ends_at": MONTH_START.replace(day=12, hour=11).isoformat(),
    "channels": ["website"],
    "audiences": ["citizens"],
}


def check_body_file():
    return RESULTS / "calendar_check_body.json"


def coordinator_token(stack: Stack) -> str:
    return mint_token(stack, seed.org_id(10), ["coordinator"])


def range_path() -> str:
    from urllib.parse import urlencode

    query = urlencode(
        {"from": MONTH_START.isoformat(), "to": MONTH_END.isoformat(), "scope": "sector"}
    )
    return f"/v1/calendar/entries?{query}"


def range_targets(stack: Stack) -> list[Target]:
    token = coordinator_token(stack)
    return [
        bare_select_one(stack, connections=4, duration=5),
        Target(
            "sector month, direct",
            f"{stack.url('calendar')}{range_path()}",
            token,
            goal=Goal(p95_ms=RANGE_P95_MS),
            connections=4,
            duration=5,
        ),
        gateway := Target(
            "sector month, gateway",
            f"{stack.url('gateway')}{range_path()}",
            token,
            goal=Goal(p95_ms=RANGE_P95_MS),
            connections=4,
            duration=5,
        ),
        one_at_a_time(gateway),
    ]


# a channel's name in one title of nine, with an article the titles do not have
SEARCH_Q = "بالتطبيق"


def search_path(**more: str) -> str:
    from urllib.parse import urlencode

    year = {"from": datetime(YEAR, 1, 1, tzinfo=UTC), "to": datetime(YEAR + 1, 1, 1, tzinfo=UTC)}
    params = {k: v.isoformat() for k, v in year.items()} | {"scope": "sector", "q": SEARCH_Q}
    return f"/v1/calendar/entries?{urlencode(params | more)}"


def search_targets(stack: Stack) -> list[Target]:
    token = coordinator_token(stack)
    base = stack.url("calendar")
    searches = (
        ("sector year, q, direct", search_path()),
        (
            "sector year, q relevance + highlight, direct",
            search_path(sort="relevance", highlight="true"),
        ),
    )
    return [
        bare_select_one(stack, connections=4, duration=5),
        *(
            Target(
                label,
                f"{base}{path}",
                token,
                goal=Goal(p95_ms=RANGE_P95_MS),
                connections=4,
                duration=5,
            )
            for label, path in searches
        ),
    ]


def check_targets(stack: Stack) -> list[Target]:
    check = Target(
        "conflict check, direct",
        f"{stack.url('calendar')}/v1/calendar/conflicts/check",
        coordinator_token(stack),
        body_file=check_body_file(),
        goal=Goal(p95_ms=CHECK_P95_MS),
        connections=4,
        duration=5,
    )
    return [bare_select_one(stack, connections=4, duration=5), check, one_at_a_time(check)]


def feed_targets(stack: Stack) -> list[Target]:
    url = f"{stack.url('calendar')}/v1/calendar/feeds/{FEED_TOKEN}.ics"
    started = time.perf_counter()
    first = httpx.get(url, timeout=120)
    print(
        f"  first read of the 10,000-entry feed: {time.perf_counter() - started:.2f} s, "
        f"{len(first.content) / 1e6:.1f} MB"
    )
    return [
        bare_select_one(stack, connections=2, duration=5),
        Target(
            "feed of 10,000 entries, direct",
            url,
            goal=Goal(p95_ms=FEED_P95_MS),
            connections=2,
            duration=5,
        ),
    ]


SCENARIOS = [
    Scenario("calendar range query", prepare, range_targets, baseline=False),
    Scenario("calendar search", prepare, search_targets, baseline=False),
    Scenario("calendar conflict check", prepare, check_targets, baseline=False),
    Scenario("calendar feed", prepare, feed_targets, baseline=False),
]
