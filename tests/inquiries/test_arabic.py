"""Arabic search: one normalization in Python (queries) and SQL (stored text), and the list's
`q` finding every spelling variant (diacritics, tatweel, hamza forms, ة/ه, ى/ي, digits)."""

from __future__ import annotations

import pytest

from services.common.arabic import like_pattern, normalize, search_terms
from tests.inquiries.conftest import submit

# stored text → spellings a citizen or an agent might type
VARIANTS: list[tuple[str, list[str]]] = [
    ("انقطاع الإنارة في الحي", ["الانارة", "الإنارة", "الأنارة", "الاناره", "الإنَارَة"]),
    ("تأخر بناء المُسْتَشْفَى", ["المستشفى", "المستشفي", "مستشفي", "مُستَشفَى"]),
    ("حفر الآبار العشوائية", ["الابار", "الآبار", "الأبار"]),
    ("نظافة المدرسة الابتدائية", ["المدرسه", "المدرسة", "نظافه", "الابتدائيه"]),
    ("إصلاح الطـــريـق السريع", ["الطريق", "اصلاح", "أصلاح", "إصلاح"]),
    ("شكر لأمانة المنطقة", ["امانه", "لامانة", "أمانة", "المنطقه"]),
    ("العداد رقم ١٢٣٤ لا يعمل", ["1234", "١٢٣٤", "۱۲۳۴", "رقم 1234"]),
    ("ساحة ٱلمسجد الكبير", ["المسجد", "ألمسجد"]),
    ("موقف مبنًى البلدية", ["مبني", "مبنى", "مَبْنًى"]),
    ("Street LIGHTS broken", ["lights", "STREET", "Broken"]),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُسْتَشْفَى", "مستشفي"),
        ("الطـــريـق", "الطريق"),
        ("أإآٱ", "اااا"),
        ("مدرسة", "مدرسه"),
        ("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹", "0123456789 0123456789"),
        ("  طريق \n\t الملك  ", "طريق الملك"),
        ("ABC", "abc"),
        ("😀 <b>", "😀 <b>"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_search_terms_and_like_escaping():
    assert search_terms("  الإنارة   العامة ") == ["الاناره", "العامه"]
    assert like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


async def test_sql_function_matches_python(client, world):
    samples = (
        [raw for raw, _ in VARIANTS]
        + [q for _, qs in VARIANTS for q in qs]
        + ["ـــَُِّْٰ", "  x  y ", "😀", "ٱلإآأى"]
    )
    rows = await world.directory.conn.fetch(
        "SELECT s, inquiry_normalize_ar(s) AS n FROM unnest($1::text[]) AS s", samples
    )
    for row in rows:
        assert row["n"] == normalize(row["s"]), row["s"]


async def test_search_finds_every_spelling_variant(client, world):
    ids = {}
    for raw, _ in VARIANTS:
        receipt = await submit(
            client, organization_id=str(world.orgs["A"]), subject="بلاغ", body=raw
        )
        ids[raw] = receipt["id"]
    staff = world.auth("coordinator@A")
    misses = []
    for raw, queries in VARIANTS:
        for query in queries:
            response = await client.get("/v1/inquiries", params={"q": query}, headers=staff)
            assert response.status_code == 200, response.text
            found = {i["id"] for i in response.json()["items"]}
            if ids[raw] not in found:
                misses.append(f"{query!r} did not find {raw!r}")
    assert not misses, "\n".join(misses)
    # every word must appear; wildcards are literal
    both = await client.get("/v1/inquiries", params={"q": "الطريق السريع"}, headers=staff)
    assert [i["id"] for i in both.json()["items"]] == [ids["إصلاح الطـــريـق السريع"]]
    none = await client.get("/v1/inquiries", params={"q": "الطريق المدرسة"}, headers=staff)
    assert none.json()["items"] == []
    percent = await client.get("/v1/inquiries", params={"q": "%"}, headers=staff)
    assert percent.json()["items"] == []


async def test_similar_suggests_likely_duplicates(client, world):
    org = str(world.orgs["A"])
    first = await submit(
        client,
        organization_id=org,
        subject="تسرب مياه في شارع الملك فهد",
        body="تسرب مياه مستمر أمام المنزل رقم ١٢ في شارع الملك فهد",
    )
    twin = await submit(
        client,
        organization_id=org,
        subject="تسرُّب مياة بشارع الملك فهد",
        body="يوجد تسرب مياه مستمر امام المنزل 12 في شارع الملك فهد",
    )
    await submit(client, organization_id=org, subject="شكر وتقدير", body="شكراً لسرعة الاستجابة")
    await submit(
        client,
        organization_id=str(world.orgs["R"]),
        subject="تسرب مياه في شارع الملك فهد",
        body=first["reference"],
    )  # other org
    response = await client.get(
        f"/v1/inquiries/{twin['id']}/similar", headers=world.auth("coordinator@A")
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["id"] for i in items] == [first["id"]]
    assert 0 < items[0]["score"] <= 1
