"""The relevance window found by the time-bucketed index (`search.Recent`, migration 0024):
the same pages as the newest-first walk, whatever the query's shape and wherever its
matches were filed; the week numbers of Python and SQL agree."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import search
from services.common.db import build_engine, build_read_sessionmaker, build_sessionmaker
from services.common.search import shares
from services.common.search import window as relevance_window
from services.inquiries.clock import now as clock_now
from services.inquiries.models import Inquiry
from services.inquiries.repository import inquiries as repository
from tests.inquiries.conftest import submit

# subject, body, days before now the inquiry is dated (negative: after now)
FILED = [
    ("حفرة", "حفرة كبيرة في الشارع", 0),
    ("طلب", "حفرة صغيرة", 1),
    ("حفرة", "حفرة كبيرة وحفر كثيرة وحفرة ثالثة", 3),
    ("مياه", "تسرب مياه قرب الحفرة", 5),
    ("متابعة", "بخصوص PRJ-2026-0077 وحفرة", 9),
    ("حفرة", "حفرة أمام المنزل", 16),  # in the span's first week, before its 14 days
    ("حفرة", "حفرة كبيرة قديمة", 40),  # before the span
    ("حفرة", "حفرة مؤرخة بعد الأسابيع", -30),  # after the bucketed weeks
    ("شكر", "شكرا لسرعة الاستجابة", 2),
]

QUERIES = [
    "حفرة",
    '"حفرة كبيرة"',
    "حفرة -صغيرة",
    "حفرة OR مياه",
    "الحفر",
    "2026-0077",
    "حفر كبيرة",
]


@pytest.fixture
async def filed(client, world, settings) -> list[str]:
    org = str(world.orgs["A"])
    ids = []
    for subject, body, _ in FILED:
        receipt = await submit(client, organization_id=org, subject=subject, body=body)
        ids.append(receipt["id"])
    engine = build_engine(settings.database_url, settings)
    now = clock_now()
    try:
        async with build_sessionmaker(engine)() as session, session.begin():
            for inquiry_id, (_, _, days) in zip(ids, FILED, strict=True):
                await session.execute(
                    text("UPDATE inquiry SET created_at = :at WHERE id = :id"),
                    {"at": now - timedelta(days=days), "id": uuid.UUID(inquiry_id)},
                )
    finally:
        await engine.dispose()
    return ids


async def relevance_pages(client, world, q: str) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params = {"q": q, "sort": "relevance", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(
            "/v1/inquiries", params=params, headers=world.auth("coordinator@A")
        )
        assert response.status_code == 200, response.text
        pages.append([i["id"] for i in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("window", [3, 300])
async def test_the_weeks_find_the_walks_window(client, world, filed, monkeypatch, window):
    """Window 3: the last two weeks hold it for the frequent queries (the bucketed route
    answers); 300: they never do (the same statement falls back to the walk)."""
    monkeypatch.setattr(relevance_window, "RELEVANCE_WINDOW", window)
    walked: dict[str, list[list[str]]] = {}
    for q in QUERIES:
        walked[q] = await relevance_pages(client, world, q)
    chosen: list[bool] = []

    async def weeks(session, table, query, now) -> timedelta:
        chosen.append(True)
        return search.RECENT_SPAN

    monkeypatch.setattr(search, "newest_by_weeks", weeks)
    routes: list[bool] = []  # by_weeks of every statement built
    built = repository.by_relevance

    def spy(filters, now, org_ids, query, page, by_weeks=None):
        routes.append(by_weeks is not None)
        return built(filters, now, org_ids, query, page, by_weeks)

    monkeypatch.setattr(repository, "by_relevance", spy)
    for q in QUERIES:
        routes.clear()
        assert await relevance_pages(client, world, q) == walked[q], q
        if q == "حفرة":
            # window 3: the weeks held it, no walk; 300: they did not, the walk ran after
            assert routes[0] is True
            assert (False in routes) is (window == 300)
    assert chosen
    # the queries found what they should, so the comparison above compared something
    found = {q: {i for page in walked[q] for i in page} for q in QUERIES}
    assert filed[-2] in found["حفرة"]  # dated after the weeks
    assert filed[4] in found["2026-0077"]  # a substring only
    assert filed[1] not in found["حفرة -صغيرة"]
    if window == 3:
        assert len(found["حفرة"]) == 3 and filed[-2] in found["حفرة"]
    else:
        assert {filed[0], filed[6], filed[7]} <= found["حفرة"]


async def test_python_and_sql_number_the_same_weeks(settings):
    instants = [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 3, tzinfo=UTC),  # a week's first instant (a Thursday)
        datetime(2026, 12, 2, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 6, 15, 30, tzinfo=UTC),
        datetime(2400, 2, 29, 12, tzinfo=UTC),
    ]
    engine = build_engine(settings.database_url, settings)
    try:
        async with engine.connect() as conn:
            for at in instants:
                document = (
                    await conn.execute(
                        text(
                            "SELECT common_search_recent_ar("
                            "to_tsvector('simple', 'حفرة'), '', :at)::text"
                        ),
                        {"at": at},
                    )
                ).scalar_one()
                assert document == f"'{search.bucket_of(at)}|حفرة'", at
    finally:
        await engine.dispose()


# (a text, as stored normalized, and substrings of it a query may look for)
HELD = [
    ("تسرب مياه امام المنزل", ["تسرب", "سرب ميا", "ياه امام", "منزل", "تسرب مياه امام المنزل"]),
    ("بخصوص prj-2026-0077 وحفره", ["prj-2026-0077", "2026-0077", "-0077", "026-00", "حفره"]),
    ("العداد رقم 45 معطل", ["رقم 45 مع", "45 معطل", "لعداد ر"]),
    ("it's o'neil \\ back", ["it's", "o'neil", "\\ back"]),
]


async def test_every_text_holding_a_substring_is_found_by_its_weeks(settings):
    """The index's query for a substring (`common_search_recent_substring_ar`, trigrams as
    pg_trgm makes them) is met by every text that holds it, in any of the weeks asked."""
    at = datetime(2026, 12, 6, 12, tzinfo=UTC)
    weeks = [search.bucket_of(at) - 1, search.bucket_of(at)]
    engine = build_engine(settings.database_url, settings)
    try:
        async with engine.connect() as conn:
            for stored, substrings in HELD:
                for substring in substrings:
                    assert substring in stored
                    found = (
                        await conn.execute(
                            text(
                                "SELECT common_search_recent_ar("
                                "to_tsvector('simple', :t), :t, :at) @@ "
                                "common_search_recent_substring_ar(:s, CAST(:w AS bigint[]))"
                            ),
                            {"t": stored, "s": substring, "at": at, "w": weeks},
                        )
                    ).scalar_one()
                    assert found is True, (stored, substring)
                # … and not in another week
                other = (
                    await conn.execute(
                        text(
                            "SELECT common_search_recent_ar("
                            "to_tsvector('simple', :t), :t, :at) @@ "
                            "common_search_recent_substring_ar(:s, CAST(:w AS bigint[]))"
                        ),
                        {"t": stored, "s": substrings[0], "at": at, "w": [1]},
                    )
                ).scalar_one()
                assert other is False
    finally:
        await engine.dispose()


def test_a_terms_query_over_weeks():
    assert search.bucketed_tsquery("'حفر':*", range(5, 7)) == "('5|حفر':* | '6|حفر':*)"
    assert (
        search.bucketed_tsquery("('حفر' | 'حفره':*) <-> 'كبير'", [9])
        == "(('9|حفر') | ('9|حفره':*)) & ('9|كبير')"
    )
    # a quoted lexeme keeps its quoting
    assert search.bucketed_tsquery("'o''neil'", [1]) == "('1|o''neil')"


def test_how_common_a_query_is():
    stats = shares.Statistics(
        shares={"حفر": 0.01, "حفره": 0.005, "مياه": 0.03, "كبير": 0.002},
        created=[datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i) for i in range(11)],
        rows=1000.0,
    )
    assert stats.query_share(search.parse("حفرة")) == pytest.approx(0.015)
    assert stats.query_share(search.parse("حفرة كبيرة")) == pytest.approx(0.002)
    assert stats.query_share(search.parse("حفرة OR مياه")) == pytest.approx(0.045)
    assert stats.query_share(search.parse("حفرة -مياه")) == pytest.approx(0.015)
    assert stats.query_share(search.parse("زهرة")) == 0.0
    # ten steps of a hundred rows each
    assert stats.rows_since(datetime(2026, 1, 9, tzinfo=UTC)) == pytest.approx(200.0)
    assert stats.rows_since(datetime(2027, 1, 1, tzinfo=UTC)) == 0.0
    assert stats.rows_since(datetime(2025, 1, 1, tzinfo=UTC)) == pytest.approx(1000.0)


async def test_the_span_of_weeks_follows_how_common_the_query_is(monkeypatch):
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    # 10,000 rows a day over the last 100 days: ten steps of 100,000 rows each
    stats = shares.Statistics(
        shares={"حفر": 0.012, "مياه": 0.03, "شارع": 0.1},
        created=[now - timedelta(days=100 - 10 * i) for i in range(11)],
        rows=1_000_000.0,
    )
    since = search.week_start(now - search.RECENT_SPAN)

    async def read(session, table, vector="search_vector"):
        return stats

    monkeypatch.setattr(shares, "statistics", read)

    async def span(q: str) -> timedelta | None:
        unused = cast(AsyncSession, None)  # the statistics are the stub's
        return await shares.newest_by_weeks(unused, "inquiry", search.parse(q), now)

    # the two weeks (from the start of the week 14 days ago) hold one step: 100,000 rows
    frequent, common = await span("مياه"), await span("حفرة")
    assert frequent is not None and common is not None
    assert frequent < common <= search.RECENT_SPAN
    assert frequent == (now - since) * (600 / (0.03 * 100_000))  # two windows' time
    assert common == (now - since) * (600 / (0.012 * 100_000))
    assert await span("شارع") is None  # 10 %: the walk is short
    assert await span("زهرة") is None  # not among the most common: rare


async def test_the_statistics_come_from_postgresql(client, world, settings, monkeypatch):
    for n in range(6):
        await submit(client, organization_id=str(world.orgs["A"]), subject="حفرة", body=f"حفرة {n}")
    monkeypatch.setattr(shares, "_cache", {})
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session, session.begin():
            await session.execute(text("ANALYZE inquiry"))
            stats = await shares.statistics(session, Inquiry.__tablename__)
            assert stats.rows >= 6
            assert stats.query_share(search.parse("حفرة")) > 0.5
            assert stats.rows_since(clock_now() - timedelta(days=1)) > 0
            # a query in most rows is frequent: the walk finds its window
            assert not await search.newest_by_weeks(
                session, "inquiry", search.parse("حفرة"), clock_now()
            )
    finally:
        await engine.dispose()


async def test_a_page_by_weeks_runs_serial_and_leaves_the_connection_as_it_was(settings):
    engine = build_engine(settings.database_url, settings)
    show = text("SHOW max_parallel_workers_per_gather")
    try:
        async with build_read_sessionmaker(engine)() as session:
            before = (await session.execute(show)).scalar_one()
            async with search.serial(session):
                assert (await session.execute(show)).scalar_one() == "0"
            assert (await session.execute(show)).scalar_one() == before
            with pytest.raises(RuntimeError):
                async with search.serial(session):
                    raise RuntimeError("the page failed")
            assert (await session.execute(show)).scalar_one() == before
        assert before != "0"
    finally:
        await engine.dispose()
