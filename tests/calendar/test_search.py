"""The hub's stemmed Arabic search on the calendar's occurrence list (`q`): letter variants,
diacritics, tatweel, attached articles and prepositions, plurals, digits in both sets, the
websearch query language, relevance order with keyset pages, highlights, typo corrections;
an unrelated entry is not found and nobody finds what they may not see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.calendar.models import Entry
from services.common import search_words
from services.common.db import build_engine, build_sessionmaker
from tests.calendar.conftest import create_entry, problem

START, END = "2026-03-01T00:00:00+03:00", "2026-04-01T00:00:00+03:00"

ENTRIES = {
    "cleanliness": {"title_ar": "إطلاق حملة النظافة", "title_en": "Clean city campaign launch"},
    "gardens": {
        "title_ar": "افتتاح حديقة الملك عبدالله",
        "description_ar": "جولة إعلامية في حدائق الحي الجديدة",
    },
    "water": {"title_ar": "مؤتمر صحفي", "description_ar": "الأمن المائي وترشيد استهلاك المياه"},
    "forum": {"title_ar": "ملتقى الاستثمار البلدي 2026", "title_en": "Municipal investment forum"},
    "unrelated": {"title_ar": "اجتماع تنسيقي للإدارات", "kind": "meeting"},
}


@pytest.fixture
async def entries(client, world) -> dict[str, str]:
    """entry id → key, all of municipality A, on 10 March 2026."""
    ids = {}
    for key, fields in ENTRIES.items():
        entry = await create_entry(client, world, "agent@A", **fields)
        ids[entry["id"]] = key
    return ids


async def search(client, world, who: str = "agent@A", **params) -> dict:
    response = await client.get(
        "/v1/calendar/entries", params={"from": START, "to": END, **params}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


async def found(client, world, entries, q: str, **params) -> set[str]:
    body = await search(client, world, q=q, **params)
    return {entries[i["entry_id"]] for i in body["items"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("اطلاق حمله", {"cleanliness"}),  # hamza on alef, ة written as ه
        ("الحملة", {"cleanliness"}),  # the article is part of the word
        ("حملات", {"cleanliness"}),  # a plural finds the singular
        ("بالحملة", {"cleanliness"}),  # attached preposition and article
        ("حمـــلة", {"cleanliness"}),  # tatweel
        ("حَمْلَة", {"cleanliness"}),  # diacritics
        ("للنظافة", {"cleanliness"}),  # lam-lam
        ("لحملة", {"cleanliness"}),  # lam without an article
        ("ولحملات", {"cleanliness"}),
        ("وللحدائق", {"gardens"}),  # conjunction, preposition, article (description)
        ("حديقة", {"gardens"}),  # title: singular; description: broken plural
        ("المياه", {"water"}),
        ("مؤتمرات صحفية", {"water"}),
        ("٢٠٢٦", {"forum"}),  # Arabic-Indic digits find ASCII ones
        ("investment", {"forum"}),  # the English title
        ("CAMPAIGN", {"cleanliness"}),  # case
        ("مستشفى", set()),  # an unrelated word finds nothing
    ],
)
async def test_stemmed_search_finds_what_is_meant(client, world, entries, q, expected):
    assert await found(client, world, entries, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"حملة النظافة"', {"cleanliness"}),  # a phrase, in order
        ('"النظافة حملة"', set()),  # … not in another order
        ("حملة OR حدائق", {"cleanliness", "gardens"}),
        ("حملة أو حدائق", {"cleanliness", "gardens"}),
        ("افتتاح -حدائق", set()),  # a word that must not match
        ("حملة حدائق", set()),  # every word must match
        ("-حملة", set()),  # negations alone match nothing
        ("':* & !' \\ 100%", set()),  # tsquery and LIKE syntax are text
    ],
)
async def test_websearch_query_language(client, world, entries, q, expected):
    assert await found(client, world, entries, q) == expected


async def test_partial_words_still_match(client, world, entries):
    assert await found(client, world, entries, "نظا") == {"cleanliness"}
    assert await found(client, world, entries, "استهلا") == {"water"}


async def test_search_keeps_to_what_the_caller_sees(client, world, entries):
    # a draft of municipality A: its parent region's staff do not see it, found or not
    assert await found(client, world, entries, "حملة") == {"cleanliness"}
    assert (await search(client, world, "agent@S", q="حملة"))["items"] == []
    assert (await search(client, world, "org_admin@R", q="حملة"))["items"] == []


async def test_relevance_order_with_keyset_pagination(client, world):
    day = "2026-03-1{}T10:00:00+03:00"
    weak = await create_entry(
        client, world, title_ar="لقاء", description_ar="حملة صغيرة",
        starts_at=day.format(2), ends_at=day.format(2).replace("T10", "T11"),
    )  # fmt: skip
    strong = await create_entry(
        client, world, title_ar="حملة التشجير", description_ar="حملة وحملات وحملة ثالثة",
        starts_at=day.format(0), ends_at=day.format(0).replace("T10", "T11"),
    )  # fmt: skip
    middle = await create_entry(
        client, world, title_ar="حملة", description_ar="حملة التوعية",
        starts_at=day.format(1), ends_at=day.format(1).replace("T10", "T11"),
    )  # fmt: skip
    await create_entry(client, world, title_ar="اجتماع", starts_at=day.format(3),
                       ends_at=day.format(3).replace("T10", "T11"))  # fmt: skip

    async def walk(**params) -> list[str]:
        ids, cursor = [], None
        while True:
            page = await search(
                client, world, q="حملة", limit=1, **params, **({"cursor": cursor} if cursor else {})
            )
            ids += [i["entry_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return ids

    # one occurrence a page, each once: best match first, or by start (the default)
    assert await walk(sort="relevance") == [strong["id"], middle["id"], weak["id"]]
    assert await walk() == [strong["id"], middle["id"], weak["id"]]
    # the weakest match starts first
    weak_first = await create_entry(
        client, world, title_ar="حملة", starts_at="2026-03-02T10:00:00+03:00",
        ends_at="2026-03-02T11:00:00+03:00",
    )  # fmt: skip
    assert (await walk())[0] == weak_first["id"]
    assert (await walk(sort="relevance"))[0] == strong["id"]


async def test_relevance_needs_q(client, world):
    response = await client.get(
        "/v1/calendar/entries",
        params={"from": START, "to": END, "sort": "relevance"},
        headers=world.auth("agent@A"),
    )
    problem(response, 400, "relevance_needs_q")


async def test_highlights_are_escaped_with_marked_words(client, world):
    await create_entry(
        client,
        world,
        title_ar="إطلاق حملة <b>النظافة</b>",
        description_ar="حملةٌ & جولة في الحدائق",
    )
    body = await search(client, world, q="حملة الحدائق OR حملة", highlight="true")
    (item,) = body["items"]
    assert item["highlights"] == {
        "title_ar": ["إطلاق <mark>حملة</mark> &lt;b&gt;النظافة&lt;/b&gt;"],
        "description_ar": ["<mark>حملةٌ</mark> &amp; جولة في <mark>الحدائق</mark>"],
    }
    plain = await search(client, world, q="حملة")
    assert "highlights" not in plain["items"][0]
    assert "corrected_q" not in plain


async def test_a_typo_is_corrected_by_the_nearest_word(client, world, settings, entries):
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session, session.begin():
            read = await search_words.collect_words(
                session,
                "calendar_entry",
                Entry.search_text,
                Entry.updated_at,
                settle=timedelta(0),
            )
            assert read == len(ENTRIES)
    finally:
        await engine.dispose()
    body = await search(client, world, q="الاستثمارر")
    assert body["corrected_q"] == "استثمار"
    assert [entries[i["entry_id"]] for i in body["items"]] == ["forum"]
    # a query that finds something is not corrected
    assert "corrected_q" not in await search(client, world, q="استثمار")
    # the nearest word is in an entry the caller does not see: no correction, nothing
    assert await search(client, world, "agent@S", q="الاستثمارر") == {
        "items": [],
        "next_cursor": None,
    }
