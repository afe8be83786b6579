"""The demo inquiries: loaded through the service layer, idempotent, varied, in Arabic."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from govhub.demo import load_all_demo
from services.common.db import build_engine, build_sessionmaker
from services.directory.bootstrap import run_bootstrap

TABLES = (
    "inquiry",
    "inquiry_category",
    "inquiry_sla_policy",
    "inquiry_message",
    "inquiry_event",
    "inquiry_survey",
    "common_audit_log",
    "common_outbox",
)
ARABIC = re.compile("[\u0600-\u06ff]")
DIACRITIC = re.compile("[\u064b-\u065f]")


@pytest.fixture
def demo_settings(settings, tmp_path):
    return settings.model_copy(update={"data_dir": tmp_path})


async def _query(database_url, settings, sql: str) -> list[dict[str, Any]]:
    engine = build_engine(database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session:
            return [dict(r) for r in (await session.execute(text(sql))).mappings()]
    finally:
        await engine.dispose()


async def _counts(database_url, settings) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in TABLES)
    return {r["t"]: r["n"] for r in await _query(database_url, settings, sql)}


async def test_demo_inquiries_load_once_and_look_alive(database_url, demo_settings):
    await run_bootstrap(database_url, demo_settings, demo=True)
    first = await load_all_demo(database_url, demo_settings)
    assert 250 <= first["inquiries"] <= 350, first
    counts = await _counts(database_url, demo_settings)
    assert counts["inquiry"] == first["inquiries"]
    # the demo's rows come with their statistics (first generic plans are made with them)
    stats = await _query(
        database_url,
        demo_settings,
        "SELECT relname, reltuples FROM pg_class "
        "WHERE relname IN ('inquiry', 'directory_organization', 'calendar_occurrence')",
    )
    assert {r["relname"]: r["reltuples"] > 0 for r in stats} == {
        "inquiry": True,
        "directory_organization": True,
        "calendar_occurrence": True,
    }, stats

    await run_bootstrap(database_url, demo_settings, demo=True)
    assert (await load_all_demo(database_url, demo_settings))["inquiries"] == 0
    assert await _counts(database_url, demo_settings) == counts

    rows = await _query(
        database_url,
        demo_settings,
        "SELECT i.*, o.code FROM inquiry i JOIN directory_organization o "
        "ON o.id = i.organization_id",
    )
    assert {r["source"] for r in rows} == {"demo"}
    assert len({r["external_id"] for r in rows}) == len(rows)
    assert len({r["reference"] for r in rows}) == len(rows)
    statuses = {r["status"] for r in rows}
    assert {"new", "assigned", "in_progress", "awaiting_citizen", "resolved", "closed"} <= (
        statuses
    ), statuses
    assert "rejected" in statuses
    kinds = {r["kind"] for r in rows}
    assert {"complaint", "question", "suggestion", "compliment", "media_request"} <= kinds
    channels = {r["channel"] for r in rows}
    assert {"whatsapp", "app", "majlis", "field_visit", "phone", "website"} <= channels, channels
    assert len({r["code"] for r in rows}) >= 10
    assert all(ARABIC.search(r["subject"]) and ARABIC.search(r["body"]) for r in rows)
    assert any(DIACRITIC.search(r["subject"] + r["body"]) for r in rows)

    media = [r for r in rows if r["kind"] == "media_request"]
    assert media and all(r["outlet"] and r["deadline"] for r in media)
    assert {"صحيفة الرياض", "قناة الإخبارية"} & {r["outlet"] for r in media}
    assert all(r["resolution_due"] <= r["deadline"] for r in media)
    duplicates = [r for r in rows if r["duplicate_of"] is not None]
    assert duplicates and all(r["status"] == "rejected" for r in duplicates)
    assert any(r["category_id"] is not None for r in rows)
    assert any(r["transfer_count"] for r in rows)

    now = datetime.now(UTC)
    created = sorted(r["created_at"] for r in rows)
    assert created[-1] < now and created[0] < now - timedelta(days=40)
    by_reference = sorted(rows, key=lambda r: r["reference"])
    assert [r["created_at"] for r in by_reference] == created  # references follow time

    surveys = await _query(database_url, demo_settings, "SELECT rating FROM inquiry_survey")
    assert surveys and {s["rating"] for s in surveys} <= {1, 2, 3, 4, 5}
    categories = await _query(
        database_url, demo_settings, "SELECT name_ar, public FROM inquiry_category"
    )
    assert {"إنارة الشوارع", "الحفر وتلف الطرق", "النظافة العامة", "رخص البناء"} <= {
        c["name_ar"] for c in categories
    }
    notes = await _query(
        database_url,
        demo_settings,
        "SELECT count(*) AS n FROM inquiry_message WHERE visibility = 'internal'",
    )
    assert notes[0]["n"] > 0
    audit = await _query(
        database_url,
        demo_settings,
        "SELECT min(occurred_at) AS first FROM common_audit_log WHERE resource_type = 'inquiry'",
    )
    assert audit[0]["first"] < now - timedelta(days=30)  # back-dated with the steps
