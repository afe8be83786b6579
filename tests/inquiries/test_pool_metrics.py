"""`/metrics` shows each connection pool's size, use and checkout waits (the connection
budget, checked in production against PostgreSQL's limit)."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from tests.inquiries.conftest import submit


def samples(text: str) -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if "pool" in sample.labels:
                found[(sample.name, sample.labels["pool"])] = sample.value
    return found


async def test_the_pools_are_on_metrics(client, world, settings) -> None:
    await submit(client, organization_id=str(world.orgs["R"]))  # the engine and the writer
    listed = await client.get(
        "/v1/inquiries", headers=world.auth("coordinator@R"), params={"limit": 5}
    )
    assert listed.status_code == 200
    inquiry_id = listed.json()["items"][0]["id"]
    read = await client.get(f"/v1/inquiries/{inquiry_id}", headers=world.auth("coordinator@R"))
    assert read.status_code == 200
    text = (await client.get("/metrics")).text
    figures = samples(text)
    for pool, most in (
        ("engine", settings.db_pool_size + settings.db_max_overflow),
        ("read", settings.db_read_pool_size),
        ("intake_writer", 4),
    ):
        assert figures[("govhub_db_pool_max_connections", pool)] == most, pool
        assert 0 <= figures[("govhub_db_pool_in_use", pool)] <= most
        assert figures[("govhub_db_pool_connections", pool)] >= 1, pool  # it was used
    # every checkout's wait was observed (a histogram per pool)
    for pool in ("engine", "intake_writer"):
        assert figures[("govhub_db_pool_wait_seconds_count", pool)] >= 1, pool
    assert re.search(r'govhub_db_pool_wait_seconds_bucket\{le="0\.001",pool="engine"\}', text)
