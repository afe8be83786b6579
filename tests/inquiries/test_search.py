"""Stemmed Arabic search on the inquiries list: articles, attached prepositions, plurals,
digits in both sets, the websearch query language; an unrelated inquiry is not found."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.common import search_words
from services.common.db import build_engine, build_sessionmaker
from services.common.search import window
from services.inquiries.models import Inquiry
from tests.inquiries.conftest import submit

DOCUMENTS = {
    "leak": ("بلاغ", "تسرب مياه أمام المنزل"),
    "violation": ("مخالفة بناء", "مخالفة في الحي"),
    "street": ("حفرة", "حفرة كبيرة في شارع الأمير"),
    "gardens": ("حدائق", "حدائق الحي تحتاج ري"),
    "meter": ("عداد", "العداد رقم 45 معطل"),
    "unrelated": ("شكر وتقدير", "شكرا لسرعة الاستجابة من الموظفين"),
}


@pytest.fixture
async def inquiries(client, world) -> dict[str, str]:
    ids = {}
    for key, (subject, body) in DOCUMENTS.items():
        receipt = await submit(
            client, organization_id=str(world.orgs["A"]), subject=subject, body=body
        )
        ids[receipt["id"]] = key
    return ids


async def found(client, world, inquiries, q: str, **params) -> set[str]:
    response = await client.get(
        "/v1/inquiries", params={"q": q, **params}, headers=world.auth("coordinator@A")
    )
    assert response.status_code == 200, response.text
    return {inquiries[i["id"]] for i in response.json()["items"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("تسرب المياه", {"leak"}),  # the article is part of the word
        ("مخالفات", {"violation"}),  # plural finds singular
        ("بالشارع", {"street"}),  # attached preposition and article
        ("لشارع", {"street"}),  # lam without an article
        ("لحفرة", {"street"}),
        ("لجنة", set()),  # … which a word of its own keeps
        ("وللحدائق", {"gardens"}),  # conjunction, preposition, article
        ("٤٥", {"meter"}),  # Arabic-Indic digits find ASCII ones
        ("الحفر", {"street"}),
        ("المخالفة", {"violation"}),
        ("تسرّب المياة", {"leak"}),  # a shadda and ة for ه
        ("عدادات", {"meter"}),
        ("الموظف", {"unrelated"}),
    ],
)
async def test_stemmed_search_finds_what_is_meant(client, world, inquiries, q, expected):
    assert await found(client, world, inquiries, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"تسرب مياه"', {"leak"}),  # a phrase, in order
        ('"مياه تسرب"', set()),  # … not in another order
        ("حدائق OR مخالفات", {"gardens", "violation"}),
        ("حدائق أو مخالفات", {"gardens", "violation"}),  # أو is OR too
        ("الحي -حدائق", {"violation"}),  # a word that must not match
        ("الحي مخالفة", {"violation"}),  # every word must match
        ("مستشفى", set()),  # an unrelated word finds nothing
        ("-حدائق", set()),  # negations alone match nothing
        ("O'Brien \\ 100% _x_ '' \"", set()),  # quotes, backslashes, wildcards: literal
        ("':* & !'", set()),  # tsquery syntax is text, not operators
    ],
)
async def test_websearch_query_language(client, world, inquiries, q, expected):
    assert await found(client, world, inquiries, q) == expected


async def test_partial_words_and_references_still_match(client, world, inquiries):
    assert await found(client, world, inquiries, "تسر") == {"leak"}  # a partial word
    receipt = await submit(
        client, organization_id=str(world.orgs["A"]), subject="متابعة", body="بخصوص PRJ-2026-0077"
    )
    inquiries[receipt["id"]] = "reference"
    assert await found(client, world, inquiries, "PRJ-2026-0077") == {"reference"}
    assert await found(client, world, inquiries, "2026-0077") == {"reference"}
    assert await found(client, world, inquiries, "PRJ-2026-0078") == set()


async def test_relevance_order_with_keyset_pagination(client, world):
    org = str(world.orgs["A"])
    weak = await submit(client, organization_id=org, subject="طلب", body="حفرة صغيرة")
    strong = await submit(
        client, organization_id=org, subject="حفرة", body="حفرة كبيرة وحفر كثيرة وحفرة ثالثة"
    )
    middle = await submit(client, organization_id=org, subject="حفرة", body="حفرة أمام المنزل")
    await submit(client, organization_id=org, subject="شكر", body="شكرا")
    staff = world.auth("coordinator@A")

    async def walk(sort: str) -> list[str]:
        ids, cursor = [], None
        while True:
            params = {"q": "حفرة", "sort": sort, "limit": 1}
            if cursor:
                params["cursor"] = cursor
            response = await client.get("/v1/inquiries", params=params, headers=staff)
            assert response.status_code == 200, response.text
            ids += [i["id"] for i in response.json()["items"]]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return ids

    # one row a page: every row once, in each order
    assert await walk("relevance") == [strong["id"], middle["id"], weak["id"]]
    assert await walk("newest") == [middle["id"], strong["id"], weak["id"]]


async def test_relevance_needs_q(client, world):
    response = await client.get(
        "/v1/inquiries", params={"sort": "relevance"}, headers=world.auth("coordinator@A")
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "relevance_needs_q"


async def test_highlights_are_escaped_with_marked_words(client, world):
    await submit(
        client,
        organization_id=str(world.orgs["A"]),
        subject="تسرب مياه <script>",
        body="يوجد تسرّب للمياه & انقطاع",
    )
    response = await client.get(
        "/v1/inquiries",
        params={"q": "تسرب المياه", "highlight": "true"},
        headers=world.auth("coordinator@A"),
    )
    (item,) = response.json()["items"]
    assert item["highlights"] == {
        "subject": ["<mark>تسرب</mark> <mark>مياه</mark> &lt;script&gt;"],
        "body": ["يوجد <mark>تسرّب</mark> <mark>للمياه</mark> &amp; انقطاع"],
    }
    plain = await client.get(
        "/v1/inquiries", params={"q": "تسرب"}, headers=world.auth("coordinator@A")
    )
    assert "highlights" not in plain.json()["items"][0]


async def test_a_typo_is_corrected_by_the_nearest_word(client, world, settings):
    org = str(world.orgs["A"])
    leak = await submit(client, organization_id=org, subject="تسرب", body="تسرب مياه الشرب")
    await submit(client, organization_id=org, subject="حديقة", body="الحديقة مغلقة")
    engine = build_engine(settings.database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session, session.begin():
            # one row a call, then nothing new to read
            for expected in (1, 1, 0):
                read = await search_words.collect_words(
                    session,
                    "inquiry",
                    Inquiry.search_text,
                    Inquiry.created_at,
                    batch=1,
                    settle=timedelta(0),
                )
                assert read == expected
    finally:
        await engine.dispose()
    staff = world.auth("coordinator@A")
    response = await client.get("/v1/inquiries", params={"q": "تسريب المياة"}, headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["corrected_q"] == "تسرب مياه"
    assert [i["id"] for i in body["items"]] == [leak["id"]]
    # a query that finds something is not corrected
    exact = await client.get("/v1/inquiries", params={"q": "مياه"}, headers=staff)
    assert "corrected_q" not in exact.json()
    # no near word: nothing, and no correction
    none = await client.get("/v1/inquiries", params={"q": "كهرباء"}, headers=staff)
    assert none.json() == {"items": [], "next_cursor": None}


async def test_relevance_ranks_the_window_of_the_newest_matches(client, world, monkeypatch):
    monkeypatch.setattr(window, "RELEVANCE_WINDOW", 3)
    org = str(world.orgs["A"])
    staff = world.auth("coordinator@A")
    oldest_best = await submit(
        client, organization_id=org, subject="حفرة", body="حفرة حفرة حفرة وحفر كثيرة"
    )
    weak = await submit(client, organization_id=org, subject="طلب", body="حفرة صغيرة")
    strong = await submit(client, organization_id=org, subject="حفرة", body="حفرة وحفرة ثانية")
    middle = await submit(client, organization_id=org, subject="حفرة", body="أمام المنزل")

    async def page(cursor: str | None = None) -> dict:
        params = {"q": "حفرة", "sort": "relevance", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/inquiries", params=params, headers=staff)
        assert response.status_code == 200, response.text
        return response.json()

    first = await page()
    assert [i["id"] for i in first["items"]] == [strong["id"], middle["id"]]
    # a match filed between two pages: the window stays where the first page put it
    newer = await submit(client, organization_id=org, subject="شكوى", body="حفرة")
    second = await page(first["next_cursor"])
    assert [i["id"] for i in second["items"]] == [weak["id"]]
    assert second["next_cursor"] is None
    # the oldest match, the best one, is outside the window of the newest three
    ids = {i["id"] for i in first["items"] + second["items"]}
    assert oldest_best["id"] not in ids and newer["id"] not in ids
    # … and is found by newest first, as every match is
    response = await client.get("/v1/inquiries", params={"q": "حفرة"}, headers=staff)
    assert oldest_best["id"] in {i["id"] for i in response.json()["items"]}


async def test_a_relevance_cursor_is_checked(client, world):
    response = await client.get(
        "/v1/inquiries",
        params={"q": "حفرة", "sort": "relevance", "cursor": "bm90LWEtY3Vyc29y"},
        headers=world.auth("coordinator@A"),
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_cursor"
