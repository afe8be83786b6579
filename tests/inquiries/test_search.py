"""Stemmed Arabic search on the inquiries list: articles, attached prepositions, plurals,
digits in both sets, the websearch query language; an unrelated inquiry is not found."""

from __future__ import annotations

import pytest

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
