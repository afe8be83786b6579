"""Recall and precision of the inquiries search on the labelled corpus (tests/search):
every corpus document filed as an inquiry, every query run through the list's `q`."""

from __future__ import annotations

from tests.inquiries.conftest import submit
from tests.search.corpus import DOCUMENTS, QUERIES, labelled_pairs, relevant

RECALL_GOAL = 0.95
PRECISION_GOAL = 0.9


async def test_recall_and_precision_on_the_corpus(client, world):
    keys = {}
    for doc in DOCUMENTS:
        receipt = await submit(
            client, organization_id=str(world.orgs["A"]), subject="بلاغ", body=doc.text
        )
        keys[receipt["id"]] = doc.key
    staff = world.auth("coordinator@A")
    hits = found_total = wanted_total = 0
    misses, extras = [], []
    for query in QUERIES:
        response = await client.get(
            "/v1/inquiries", params={"q": query.text, "limit": 500}, headers=staff
        )
        assert response.status_code == 200, response.text
        found = {keys[i["id"]] for i in response.json()["items"]}
        wanted = relevant(query)
        hits += len(found & wanted)
        found_total += len(found)
        wanted_total += len(wanted)
        misses += [f"{query.text!r} ↛ {k}" for k in sorted(wanted - found)]
        extras += [f"{query.text!r} → {k}" for k in sorted(found - wanted)]
    recall, precision = hits / wanted_total, hits / found_total
    report = (
        f"{len(QUERIES)} queries, {len(DOCUMENTS)} documents, {labelled_pairs()} relevant "
        f"pairs: recall {recall:.3f}, precision {precision:.3f}\n"
        + "missed: "
        + "; ".join(misses)
        + "\nwrongly found: "
        + "; ".join(extras)
    )
    print(report)
    assert wanted_total >= 300
    assert recall >= RECALL_GOAL and precision >= PRECISION_GOAL, report
