"""The inquiries scenarios on one million generated inquiries (see `bench/seed.py`).

(a) GET /v1/inquiries/{id}: the bare app running the service's SQL, the service directly,
    and through the gateway (targets: direct ≥ 0.8× bare, gateway ≥ 0.5× bare);
(b) POST /v1/inquiries through the gateway with a staff token and an Arabic body, against a
    bare single INSERT of the same inquiry row into the same table (target ≥ 0.4×); a
    key-only table's INSERT is shown too, the floor of any write. No `Idempotency-Key` is
    sent: every request creates an inquiry (the keyed path adds a claim row and the stored
    response);
(c) the list GET /v1/inquiries with each filter, on the service directly, with a
    ministry-level token (org_admin of the root: the list covers all 26 organizations):
    p95 ≤ 50 ms each, with fewer connections (a person's page loads, not a flood).

`FILTERS` is shared with `python -m bench.explain`, which writes the plans of the same
queries to bench/explain/.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import asyncpg

from bench import seed
from bench.harness import BENCH_DIR, Stack
from bench.scenarios import Goal, Scenario, Target, mint_token

RESULTS = BENCH_DIR / "results"
LIST_P95_MS = 50.0
LIST_CONNECTIONS = 4
LIST_SECONDS = 5

# The inquiry every GET reads: a row in the middle of the generated set.
GET_ROW = 500_000

# A week, three months back (fixed relative to the seeding's rows, which span a year).
_WEEK_END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
    days=90
)
_WEEK_START = _WEEK_END - timedelta(days=7)

# name → query parameters of GET /v1/inquiries (one filter each)
FILTERS: dict[str, dict[str, str]] = {
    "status": {"status": "in_progress"},
    "kind": {"kind": "media_request"},
    "channel": {"channel": "majlis"},
    "organization_id": {"organization_id": str(seed.org_id(1))},
    "category_id": {"category_id": str(seed.category_id(1, 0))},
    "priority": {"priority": "urgent"},
    "assignee_id": {"assignee_id": str(seed.staff_id(6, 0))},
    "sla_breached": {"sla": "breached"},
    "sla_at_risk": {"sla": "at_risk"},
    "created_range": {
        "created_from": _WEEK_START.isoformat(),
        "created_to": _WEEK_END.isoformat(),
    },
    # a neighbourhood, as staff look up the reports of one area (about 3 % of the rows)
    "q": {"q": "النرجس"},
    # a rarer word (about 1.2 %): the newest-first walk filters ~80 rows per match
    "q_1pct": {"q": "السيول"},
    # the stemmed search (issue 18): two words, a phrase, a plural with an article, and
    # the relevance order (every match ranked before the page is cut)
    "q_two_words": {"q": "حفرة الطريق"},
    "q_phrase": {"q": '"تسرب مياه"'},
    "q_plural": {"q": "الحفر"},
    "q_relevance": {"q": "السيول", "sort": "relevance"},
    "q_relevance_frequent": {"q": "النرجس", "sort": "relevance"},
}

# Kept out of the list's way: another region (2) than the filters', no word `q` looks for.
POST_BODY = {
    "kind": "complaint",
    "channel": "whatsapp",
    "subject": "انقطاع إنارة الشارع في حي الياسمين",
    "body": "السلام عليكم، أعمدة الإنارة في شارع التحلية مطفأة منذ ثلاثة أيام، "
    "والشارع مظلم تماماً بعد المغرب. نرجو سرعة المعالجة.",
    "organization_id": str(seed.org_id(10)),
    "category_id": str(seed.category_id(2, 0)),
    "priority": "high",
    "contact": {"name": "محمد عبدالله", "phone": "+966501234567"},
    "location": {"lat": 21.5433, "long": 39.1728, "address": "حي الياسمين، شارع التحلية"},
}


def ministry_token(stack: Stack) -> str:
    return mint_token(stack, seed.org_id(0), ["org_admin"])


def staff_token(stack: Stack) -> str:
    """An agent of the municipality the POST body names (its own subtree)."""
    return mint_token(stack, seed.org_id(10), ["agent"])


_prepared: set[str] = set()


async def reset(conn: asyncpg.Connection) -> None:
    """Back to the seeded million: removes what earlier POST runs added (newer than the
    seeding, so an index range rather than a scan), and empties the outbox, audit log and
    queue (no worker runs in the bench) so they do not grow run after run."""
    await conn.execute(
        """DELETE FROM inquiry
           WHERE created_at >= (SELECT min(seeded_at) FROM bench_seed) - interval '1 hour'
             AND source IS DISTINCT FROM 'bench'"""
    )
    await conn.execute(
        "TRUNCATE common_outbox, common_audit_log, common_pgqueuer, common_pgqueuer_log"
    )


async def prepare(stack: Stack) -> None:
    """Once per run: seeds the million inquiries if needed (printing how long it took),
    resets them, (re)creates the key-only table and the bare INSERT's reference sequence
    (bench objects, not part of the migrations) and writes the POST body."""
    if stack.database_url in _prepared:
        return
    took = await seed.seed(stack.database_url)
    if took is None:
        print("  the 1 M inquiries are already seeded (table bench_seed)")
    conn = await asyncpg.connect(stack.database_url)
    try:
        await reset(conn)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS bench_bare_insert (
                   id uuid PRIMARY KEY, payload jsonb NOT NULL,
                   created_at timestamptz NOT NULL DEFAULT now())"""
        )
        await conn.execute("TRUNCATE bench_bare_insert")
        await conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_bare_reference")
    finally:
        await conn.close()
    RESULTS.mkdir(exist_ok=True)
    post_body_file().write_text(json.dumps(POST_BODY, ensure_ascii=False), encoding="utf-8")
    _prepared.add(stack.database_url)


def post_body_file() -> Path:
    return RESULTS / "inquiry_post_body.json"


def get_targets(stack: Stack) -> list[Target]:
    token = ministry_token(stack)
    inquiry_id = seed.inquiry_id(GET_ROW)
    path = f"/v1/inquiries/{inquiry_id}"
    return [
        Target("bare starlette+asyncpg", f"{stack.url('bare')}/inquiries/{inquiry_id}"),
        Target("inquiries direct", f"{stack.url('inquiries')}{path}", token, goal=Goal(ratio=0.8)),
        Target("through gateway", f"{stack.url('gateway')}{path}", token, goal=Goal(ratio=0.5)),
    ]


def post_targets(stack: Stack) -> list[Target]:
    body = post_body_file()
    return [
        Target("bare INSERT, inquiry row", f"{stack.url('bare')}/inquiries", body_file=body),
        Target(
            "through gateway",
            f"{stack.url('gateway')}/v1/inquiries",
            staff_token(stack),
            body_file=body,
            goal=Goal(ratio=0.4),
        ),
        # the floor of any write on this machine, for reference (no goal)
        Target("bare INSERT, key-only table", f"{stack.url('bare')}/insert", body_file=body),
    ]


def list_url(stack: Stack, name: str) -> str:
    return f"{stack.url('inquiries')}/v1/inquiries?{urlencode(FILTERS[name])}"


def list_targets(stack: Stack) -> list[Target]:
    token = ministry_token(stack)
    return [
        Target(
            name,
            list_url(stack, name),
            token,
            goal=Goal(p95_ms=LIST_P95_MS),
            connections=LIST_CONNECTIONS,
            duration=LIST_SECONDS,
        )
        for name in FILTERS
    ]


# the list runs before the POST, so it reads the seeded rows only
SCENARIOS = [
    Scenario("GET inquiry by id", prepare, get_targets),
    Scenario("list inquiries", prepare, list_targets, baseline=False),
    Scenario("POST inquiry", prepare, post_targets),
]
