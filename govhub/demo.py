"""The demo data of every service, loaded after the directory's (`govhub demo`, `make run`).

The composition root: services never import each other, so the order (the directory's
organizations, staff and channels first, then the inquiries that refer to them) is decided
here.
"""

from __future__ import annotations

from sqlalchemy import text

from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.production import is_production
from services.common.settings import GovhubSettings


async def load_all_demo(database_url: str, settings: GovhubSettings) -> dict[str, int]:
    """Loads the demo data of the services after the directory; idempotent. Returns how
    many rows each service created (0 when its demo data was already there). Never in
    production: nothing is loaded and nothing returned."""
    if is_production(settings):
        return {}
    from services.calendar.demo import load_demo as load_calendar
    from services.campaigns.demo.loader import load_demo as load_campaigns
    from services.inquiries.demo.loader import load_demo as load_inquiries

    engine = build_engine(database_url, settings)
    try:
        async with session_scope(build_sessionmaker(engine)) as session:
            inquiries = await load_inquiries(session, settings)
        async with session_scope(build_sessionmaker(engine)) as session:
            campaigns = await load_campaigns(session, settings)
        async with session_scope(build_sessionmaker(engine)) as session:
            calendar = await load_calendar(session, settings)
        if inquiries or campaigns or calendar:
            # the demo's rows arrive at once: their statistics now, not at autovacuum's
            # next pass, so the first generic plans are made with them
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
                await connection.commit()
        return {"inquiries": inquiries, "initiatives": campaigns, "calendar entries": calendar}
    finally:
        await engine.dispose()
