"""The campaigns demo: loaded through the service layer after the directory's, once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from services.campaigns.demo.data import INITIATIVES
from services.campaigns.demo.loader import load_demo
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.directory.bootstrap import run_bootstrap


@pytest.fixture
def demo_settings(settings, tmp_path):
    return settings.model_copy(update={"data_dir": tmp_path})


async def _one(session, sql: str) -> Any:
    return (await session.execute(text(sql))).scalar_one()


async def test_demo_covers_every_axis_and_loads_once(database_url, demo_settings):
    await run_bootstrap(database_url, demo_settings, demo=True)
    engine = build_engine(database_url, demo_settings)
    try:
        sessions = build_sessionmaker(engine)
        async with session_scope(sessions) as session:
            assert await load_demo(session, demo_settings) == len(INITIATIVES)
        async with session_scope(sessions) as session:
            assert await load_demo(session, demo_settings) == 0
        async with sessions() as session:
            axes_without = await _one(
                session,
                "SELECT count(*) FROM campaign_axis a WHERE NOT EXISTS "
                "(SELECT 1 FROM campaign_initiative i WHERE i.axis_id = a.id)",
            )
            overdue = await _one(
                session,
                "SELECT count(*) FROM campaign_milestone WHERE completed_at IS NULL "
                "AND due_date < current_date",
            )
            awaiting = await _one(
                session, "SELECT count(*) FROM campaign_kpi_value WHERE status = 'submitted'"
            )
            verified = await _one(
                session, "SELECT count(*) FROM campaign_kpi_value WHERE status = 'verified'"
            )
            countries = await _one(
                session,
                "SELECT count(DISTINCT split_part(o.path::text, '.', 1)) FROM "
                "campaign_initiative i JOIN directory_organization o ON o.id = i.organization_id",
            )
            progressing = await _one(
                session, "SELECT count(*) FROM campaign_initiative WHERE progress > 0"
            )
            reports = await _one(
                session, "SELECT count(*) FROM campaign_report WHERE status <> 'draft'"
            )
            ramadan = await _one(
                session,
                "SELECT count(*) FROM campaign_flight f JOIN campaign_campaign c "
                "ON c.id = f.campaign_id WHERE c.code = 'RAMADAN-FOOD-SAFETY' "
                "AND c.status = 'approved'",
            )
            scheduled = await _one(
                session,
                "SELECT count(*) FROM common_outbox WHERE event_type = 'campaign.flight.scheduled'",
            )
            messages = await _one(
                session,
                "SELECT count(*) FROM campaign_key_message_version WHERE status = 'approved'",
            )
            playbooks = await _one(session, "SELECT count(*) FROM campaign_crisis_playbook")
            evidence = (
                await session.execute(
                    text(
                        "SELECT a.filename, a.content_type, a.storage_key FROM common_attachment a"
                        " JOIN campaign_milestone m ON m.id = a.owner_id"
                        " WHERE a.owner_type = 'milestone' AND m.completed_at IS NOT NULL"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert axes_without == 0
    # a completed milestone proves itself with a stored file (S0-5)
    assert [(e.filename, e.content_type) for e in evidence] == [
        ("محضر تسليم المرحلة.pdf", "application/pdf")
    ]
    assert any(demo_settings.data_dir.rglob(evidence[0].storage_key.rsplit("/", 1)[-1]))
    assert overdue > 0
    assert awaiting > 0 and verified > 10 * awaiting / 3
    assert countries == 3
    assert progressing > 5
    assert reports > 0
    assert ramadan == scheduled == 3
    assert messages == 4
    assert playbooks == 1
