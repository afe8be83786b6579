"""Fixtures: a clean migrated database per test and ASGI clients on real service apps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.common.settings import GovhubSettings
from tests.database import TEST_DIR, DatabaseFactory


@pytest.fixture(scope="session")
async def databases() -> DatabaseFactory:
    dbs = DatabaseFactory()
    await dbs.ensure_template()
    return dbs


@pytest.fixture
async def database_url(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    try:
        yield databases.url_for(name)
    finally:
        await databases.drop(name)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = TEST_DIR / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def settings(database_url: str, data_dir: Path) -> GovhubSettings:
    return GovhubSettings(
        environment="test",
        database_url=database_url,
        data_dir=data_dir,
        log_json=False,
        log_level="WARNING",
        db_pool_size=5,
        db_max_overflow=5,
    )


ClientFactory = Callable[..., Any]


@pytest.fixture
async def make_client(settings: GovhubSettings) -> AsyncIterator[ClientFactory]:
    """`await make_client(create_app, **settings_overrides)` → an httpx client on that app."""
    async with AsyncExitStack() as stack:

        async def factory(
            create_app: Callable[[GovhubSettings], FastAPI], **overrides: Any
        ) -> httpx.AsyncClient:
            app_settings = settings.model_copy(update=overrides) if overrides else settings
            app = create_app(app_settings)
            manager = await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=manager.app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            await stack.enter_async_context(client)
            client.app = app  # type: ignore[attr-defined]
            return client

        yield factory
