"""The kernel's search rule: the Python side (queries, highlights) and the SQL side (stored
documents, migration 0010) agree; the query language parses as websearch_to_tsquery's."""

from __future__ import annotations

import asyncpg
import pytest

from services.common.highlight import Matcher, highlight
from services.common.search import parse, search_form, stem, tokens
from tests.search.corpus import DOCUMENTS, QUERIES

SAMPLES = [
    "المياه",
    "وللحدائق",
    "بالشارع",
    "فالطريق",
    "كالعادة",
    "والبلدية",
    "الله",
    "الي",
    "ال",
    "x-الشارع",
    "١٢الشارع",
    "الإنارة",
    "مُسْتَشْفَى",
    "INQ-2026-000001 45 ٤٥",
]


def corpus_texts() -> list[str]:
    return SAMPLES + [d.text for d in DOCUMENTS] + [q.text for q in QUERIES]


async def test_python_and_sql_search_forms_and_stems_agree(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        texts = corpus_texts()
        rows = await conn.fetch(
            "SELECT s, common_search_form_ar(s) AS form FROM unnest($1::text[]) AS s", texts
        )
        for row in rows:
            assert row["form"] == search_form(row["s"]), row["s"]
        words = sorted({t for text in texts for t in tokens(search_form(text))})
        rows = await conn.fetch(
            "SELECT w, ts_lexize('arabic_stem', w) AS lex FROM unnest($1::text[]) AS w", words
        )
        differ = [(r["w"], r["lex"], stem(r["w"])) for r in rows if r["lex"] != [stem(r["w"])]]
        assert differ == []
        # the stored document holds exactly the Python side's stems of its words
        for text in [d.text for d in DOCUMENTS]:
            stored = await conn.fetchval(
                "SELECT tsvector_to_array(common_search_vector_ar($1))", text
            )
            assert set(stored) == {stem(t) for t in tokens(search_form(text))}, text
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("تسرب المياه", "تسرب مياه"),
        ('"تسرب مياه" OR حفره', '"تسرب مياه" OR حفره'),
        ("حدائق أو مخالفات -الشارع", "حدائق OR مخالفات -شارع"),
        ("  %  ", ""),
        ("OR حدائق OR", "حدائق"),
        ('"غير مغلق', '"غير مغلق"'),
    ],
)
def test_parse(query, text):
    assert parse(query).text() == text


def test_highlight_marks_matches_and_escapes_html():
    matcher = Matcher.of(parse("المياه"))
    text = "<b>تسرُّب</b> مياه & انقطاع المياه"
    assert highlight(text, matcher) == [
        "&lt;b&gt;تسرُّب&lt;/b&gt; <mark>مياه</mark> &amp; انقطاع <mark>المياه</mark>"
    ]
    assert highlight("لا شيء هنا", matcher) == []
    long = " ".join(["كلمة"] * 30 + ["المياه"] + ["كلمة"] * 30)
    (fragment,) = highlight(long, matcher, context=2)
    assert fragment == "… كلمة كلمة <mark>المياه</mark> كلمة كلمة …"
