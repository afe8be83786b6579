"""One Alembic history: upgrade → downgrade → upgrade works, and the models match it."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from services.common.metadata import target_metadata
from services.common.migrate import downgrade, upgrade
from tests.database import DatabaseFactory


async def test_upgrade_downgrade_upgrade_and_no_drift(databases: DatabaseFactory):
    name = await databases.create(migrated=False)
    url = databases.url_for(name)
    try:
        await asyncio.to_thread(upgrade, url)
        await asyncio.to_thread(downgrade, url, "base")
        await asyncio.to_thread(upgrade, url)
        diffs = await asyncio.to_thread(autogenerate_diff, url)
        assert diffs == [], f"models and migrations differ: {diffs}"
    finally:
        await databases.drop(name)


def autogenerate_diff(url: str) -> list[object]:
    """What `alembic revision --autogenerate` would write, run on an async connection."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.common.embedded import to_async_url
    from services.common.migrate import include_object

    async def run() -> list[object]:
        engine = create_async_engine(to_async_url(url))
        try:
            async with engine.connect() as conn:

                def compare(sync_conn: object) -> list[object]:
                    ctx = MigrationContext.configure(
                        sync_conn,  # type: ignore[arg-type]
                        opts={"include_object": include_object, "compare_type": True},
                    )
                    return list(compare_metadata(ctx, target_metadata))

                return await conn.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())
