"""The demo calendar loads once, through the service layer, and looks alive."""

from __future__ import annotations

from sqlalchemy import text

from services.calendar.demo import load_demo
from services.common.db import build_engine, build_sessionmaker, session_scope
from services.directory.bootstrap import run_bootstrap


async def test_demo_calendar_loads_once(database_url, settings, tmp_path):
    demo_settings = settings.model_copy(update={"data_dir": tmp_path})
    await run_bootstrap(database_url, demo_settings, demo=True)
    engine = build_engine(database_url, demo_settings)
    try:
        async with session_scope(build_sessionmaker(engine)) as session:
            created = await load_demo(session, demo_settings)
        async with session_scope(build_sessionmaker(engine)) as session:
            again = await load_demo(session, demo_settings)
            rows = (
                await session.execute(
                    text(
                        "SELECT e.title_ar, e.kind, e.status, e.rrule, o.code, "
                        "(SELECT count(*) FROM calendar_occurrence c WHERE c.entry_id = e.id) n "
                        "FROM calendar_entry e JOIN directory_organization o "
                        "ON o.id = e.organization_id"
                    )
                )
            ).mappings()
            entries = [dict(r) for r in rows]
            occasions = await session.scalar(text("SELECT count(*) FROM calendar_occasion"))
    finally:
        await engine.dispose()
    assert created == len(entries) >= 12 and again == 0
    assert occasions >= 10
    by_code = {(e["code"], e["kind"], e["status"]) for e in entries}
    assert ("ALAHSA", "press_conference", "pending") in by_code
    assert ("BH-CAPITAL-MEDIA", "meeting", "approved") in by_code
    assert ("MOMRAH", "blackout", "approved") in by_code
    ramadan = next(e for e in entries if e["title_ar"].startswith("حملة رمضان"))
    assert "ISLAMIC-UMALQURA" in ramadan["rrule"] and ramadan["n"] == 3
    majlis = next(e for e in entries if e["kind"] == "meeting" and e["code"] == "BH-CAPITAL-MEDIA")
    assert majlis["n"] > 90
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in e["title_ar"]) for e in entries)
